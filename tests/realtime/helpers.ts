/**
 * Real Socket.IO clients for the real-time tests, speaking the shared contract. Every event a client
 * receives is checked against its type's schema (contracts/event-schemas.ts): a test whose clients
 * received an event with a field too many, too few or of the wrong type fails when it ends.
 */
import { afterEach } from 'vitest';
import type { UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { resumeAckSchema } from '../../backend/src/contracts/event-schemas.js';
import { eventProblems, shapeProblems } from '../support/contract.js';
import { io, type Socket } from 'socket.io-client';
import {
  tenantNamespace,
  type ClientToServerEvents,
  type HandshakeAuth,
  type ServerEvent,
  type ServerToClientEvents,
} from '../../backend/src/contracts/events.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const breaches: string[] = [];
afterEach(() => {
  if (!breaches.length) return;
  const found = breaches.splice(0);
  throw new Error(`events broke their contract:\n  ${found.join('\n  ')}`);
});

export interface Received {
  type: string;
  event: ServerEvent & Record<string, any>;
}

export interface Client {
  socket: ClientSocket;
  received: Received[];
  /** The pid of the worker holding the connection (x-worker on the upgrade response). */
  worker: string | undefined;
  seqs(): number[];
  close(): void;
}

/**
 * Connects to a tenant's namespace over WebSocket and records every event in arrival order. Rejects with
 * the connect_error message when the handshake is refused.
 */
export function connect(
  baseUrl: string,
  tenantId: string,
  auth: HandshakeAuth,
  options: { cookie?: string; origin?: string; reconnection?: boolean } = {},
): Promise<Client> {
  const received: Received[] = [];
  // On every (re)connection the client asks for what came after the last event it has, as the web app does.
  const handshakeAuth = (cb: (data: object) => void) => cb({ ...auth, since: received.at(-1)?.event.seq ?? auth.since });
  const extraHeaders: Record<string, string> = {};
  if (options.cookie) extraHeaders.cookie = options.cookie;
  if (options.origin) extraHeaders.origin = options.origin;
  const socket: ClientSocket = io(baseUrl + tenantNamespace(tenantId), {
    auth: handshakeAuth,
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    transports: ['websocket'],
    extraHeaders,
    reconnection: options.reconnection ?? false,
    forceNew: true,
    timeout: 5000,
  });
  const client: Client = {
    socket,
    received,
    worker: undefined,
    seqs: () => client.received.map((r) => r.event.seq),
    close: () => socket.disconnect(),
  };
  socket.onAny((type: string, event: Received['event']) => {
    for (const problem of eventProblems(type, event)) breaches.push(`${type} ${JSON.stringify(event)}: ${problem}`);
    client.received.push({ type, event });
  });
  // The engine's WebSocket exists as soon as the client is created; its upgrade response names the worker.
  const ws = (socket.io.engine as unknown as { transport?: { ws?: { on?(ev: string, fn: (res: { headers: Record<string, string> }) => void): void } } })
    ?.transport?.ws;
  ws?.on?.('upgrade', (res) => {
    client.worker = res.headers['x-worker'];
  });
  return new Promise((resolve, reject) => {
    const refused = (err: Error) => {
      socket.disconnect();
      reject(err);
    };
    socket.once('connect_error', refused);
    socket.once('connect', () => {
      // Later connect errors belong to reconnections, which keep trying.
      socket.off('connect_error', refused);
      resolve(client);
    });
  });
}

/** The connect_error message a handshake ends with, or 'connected'. */
export async function handshakeOutcome(baseUrl: string, tenantId: string, auth: HandshakeAuth, options: { cookie?: string; origin?: string } = {}): Promise<string> {
  try {
    const client = await connect(baseUrl, tenantId, auth, options);
    client.close();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The events a client receives with seq in (from, to], in order of arrival. */
export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i + 1);

export async function resume(client: Client, since: number): Promise<{ success: boolean; data: any }> {
  const ack = await client.socket.timeout(10_000).emitWithAck('resume', { since });
  for (const problem of shapeProblems(resumeAckSchema, ack)) breaches.push(`resume ack ${JSON.stringify(ack)}: ${problem}`);
  return ack as { success: boolean; data: any };
}

let marked = 0;

/**
 * Records `n` events through `uow`, one transaction each. Each carries a date no other event has (in
 * 2040 and later), by which `seqsOf` finds the numbers the log gives them after commit.
 */
export async function recordMarked(uow: UnitOfWork, tenantId: string, n: number, areaId = tenantId): Promise<string[]> {
  const dates: string[] = [];
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.UTC(2040, 0, 1) + marked++ * 86_400_000).toISOString().slice(0, 10);
    await uow.inTenant(tenantId, async (s) => s.record('slots:changed', { area_id: areaId, date }));
    dates.push(date);
  }
  return dates;
}

/** The seqs of the events recorded with these dates, in the same order, once all are numbered. */
export async function seqsOf(uow: UnitOfWork, tenantId: string, dates: string[]): Promise<number[]> {
  let seqs: number[] = [];
  await until(`${dates.length} events to be numbered`, async () => {
    const rows: Array<{ seq: string | number; date: string }> = await uow.inTenant(tenantId, ({ trx }) =>
      trx('events').whereRaw("payload->>'date' = any(?)", [dates]).whereNotNull('seq').select('seq', trx.raw("payload->>'date' as date")),
    );
    const byDate = new Map(rows.map((r) => [r.date, Number(r.seq)]));
    seqs = dates.map((d) => byDate.get(d) ?? 0);
    return rows.length === dates.length;
  }, 15_000);
  return seqs;
}

/** Records `n` events and resolves with their seqs once the server has numbered them. */
export async function recordEvents(uow: UnitOfWork, tenantId: string, n: number, areaId = tenantId): Promise<number[]> {
  return seqsOf(uow, tenantId, await recordMarked(uow, tenantId, n, areaId));
}
