/**
 * A load-client process: holds thousands of Socket.IO connections with almost no per-connection cost,
 * speaking the wire protocol directly over `ws` (Engine.IO v4 / Socket.IO v5, WebSocket transport only):
 *   server `0{sid,pingInterval,…}` → client `40/nsp,{"token":…}` → server `40/nsp,{sid}` (or `44/nsp,{message}`),
 *   server ping `2` → client pong `3`, events `42/nsp,["name",{…}]`.
 * Driven by its parent over IPC (see client-fleet.ts). Receipt times use the monotonic clock that every
 * process on the machine shares (process.hrtime), so the parent can subtract its own send time.
 */
import WebSocket from 'ws';
import { watchCommand, watchMessage, type WatchCommand, type WatchReply } from './load-client-watch.js';

export type ClientCommand =
  | {
      type: 'connect'; id: number; url: string; nsp: string; tokens: string[]; count: number; sourceAddresses: string[]; inFlight: number;
      /** Per connection; defaults 3 attempts and 8 s (a probe past a limit wants fewer and shorter). */
      attempts?: number; handshakeTimeoutMs?: number;
    }
  | { type: 'arm'; id: number; event: string; timeoutMs: number }
  | WatchCommand
  | { type: 'status'; id: number }
  | { type: 'close'; id: number };

export type ClientReply =
  | { type: 'progress'; id: number; connected: number; failed: number }
  | {
      type: 'connected'; id: number; connected: number; failed: number; errors: Record<string, number>;
      /** Monotonic ms: the first connect attempt and the last handshake ack (0 when none). */
      firstAttemptAt: number; lastAckAt: number;
    }
  | WatchReply
  | { type: 'armed'; id: number; expected: number }
  | { type: 'received'; id: number; times: Float64Array; missing: number }
  | { type: 'status'; id: number; open: number; dropped: number }
  | { type: 'closed'; id: number };

interface Conn {
  ws: WebSocket;
  nsp: string;
  ready: boolean;
  /** Index into the armed measurement's times, or -1. */
  slot: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const send = (reply: ClientReply) => process.send!(reply);

const conns = new Set<Conn>();
let dropped = 0;

interface Armed {
  id: number;
  prefix: Buffer;
  times: Float64Array;
  got: number;
  timer: NodeJS.Timeout;
}
let armed: Armed | null = null;

function finish(): void {
  const a = armed;
  if (!a) return;
  armed = null;
  clearTimeout(a.timer);
  for (const c of conns) c.slot = -1;
  send({ type: 'received', id: a.id, times: a.times, missing: a.times.length - a.got });
}

let lastAckAt = 0;

function openOne(url: string, nsp: string, token: string, localAddress: string | undefined, handshakeTimeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: handshakeTimeoutMs });
    const conn: Conn = { ws, nsp, ready: false, slot: -1 };
    const connectedPrefix = Buffer.from(`40${nsp},`);
    const errorPrefix = Buffer.from(`44${nsp},`);
    let settled = false;
    const settle = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error);
    };
    const timer = setTimeout(() => {
      settle('timeout');
      ws.terminate();
    }, handshakeTimeoutMs + 2_000);
    ws.on('message', (data: Buffer) => {
      // The hot path: pings and the armed event, checked on raw bytes without decoding.
      if (data.length === 1 && data[0] === 0x32) return ws.send('3');
      const a = armed;
      if (a && conn.slot >= 0 && data.length >= a.prefix.length && data.compare(a.prefix, 0, a.prefix.length, 0, a.prefix.length) === 0) {
        if (a.times[conn.slot] === 0) {
          a.times[conn.slot] = now();
          if (++a.got === a.times.length) finish();
        }
        return;
      }
      if (conn.ready) return watchMessage(conn, data);
      if (data[0] === 0x30) {
        ws.send(`40${nsp},${JSON.stringify({ token })}`);
      } else if (data.compare(connectedPrefix, 0, connectedPrefix.length, 0, connectedPrefix.length) === 0) {
        conn.ready = true;
        lastAckAt = now();
        conns.add(conn);
        settle(null);
      } else if (data.compare(errorPrefix, 0, errorPrefix.length, 0, errorPrefix.length) === 0) {
        let message = 'connect_error';
        try {
          message = `connect_error ${JSON.parse(data.subarray(errorPrefix.length).toString()).message}`;
        } catch { /* keep the generic message */ }
        settle(message);
        ws.terminate();
      }
    });
    ws.on('error', (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    ws.on('close', () => {
      if (conns.delete(conn)) dropped++;
      settle('closed before connect');
    });
  });
}

async function connect(cmd: Extract<ClientCommand, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let connected = 0;
  let failed = 0;
  const errors: Record<string, number> = {};
  const attempts = cmd.attempts ?? 3;
  const handshakeTimeoutMs = cmd.handshakeTimeoutMs ?? 8_000;
  const firstAttemptAt = now();
  lastAckAt = 0;
  const ticker = setInterval(() => send({ type: 'progress', id: cmd.id, connected, failed }), 250);
  const lane = async () => {
    while (next < cmd.count) {
      const i = next++;
      const address = cmd.sourceAddresses.length ? cmd.sourceAddresses[i % cmd.sourceAddresses.length] : undefined;
      // Like a real client, retry a failed connect (a SYN dropped by a full backlog, a handshake lost in a
      // busy moment) a few times before giving up; every failed attempt is still reported.
      let error: string | null = 'not tried';
      for (let attempt = 0; attempt < attempts && error !== null; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * attempt));
        error = await openOne(cmd.url, cmd.nsp, cmd.tokens[i % cmd.tokens.length]!, address, handshakeTimeoutMs);
        const key = `${error}${attempt < attempts - 1 ? ' (retried)' : ''}`;
        if (error !== null) errors[key] = (errors[key] ?? 0) + 1;
      }
      if (error === null) connected++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.inFlight) }, lane));
  clearInterval(ticker);
  send({ type: 'connected', id: cmd.id, connected, failed, errors, firstAttemptAt, lastAckAt });
}

process.on('message', (cmd: ClientCommand) => {
  switch (cmd.type) {
    case 'connect':
      void connect(cmd);
      break;
    case 'arm': {
      if (armed) finish();
      let slot = 0;
      for (const c of conns) c.slot = slot++;
      const sample = conns.values().next().value as Conn | undefined;
      armed = {
        id: cmd.id,
        prefix: Buffer.from(`42${sample?.nsp ?? ''},["${cmd.event}"`),
        times: new Float64Array(slot),
        got: 0,
        timer: setTimeout(finish, cmd.timeoutMs),
      };
      send({ type: 'armed', id: cmd.id, expected: slot });
      if (slot === 0) finish();
      break;
    }
    case 'watch':
      watchCommand(cmd, conns, send);
      break;
    case 'status':
      send({ type: 'status', id: cmd.id, open: conns.size, dropped });
      break;
    case 'close': {
      const all = [...conns];
      conns.clear();
      for (const c of all) c.ws.terminate();
      send({ type: 'closed', id: cmd.id });
      break;
    }
  }
});

process.on('disconnect', () => process.exit(0));
