/**
 * Several load-client processes driven as one: connections are spread over them (one process holds at
 * most ~19,000 sockets under a 20,000 file limit), and a measurement arms them all, lets the caller
 * trigger the event, and collects every client's receipt time relative to the trigger.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './proc.js';
import type { ClientCommand, ClientReply } from './load-client.js';
import type { WatchCommand } from './load-client-watch.js';

export interface ConnectResult {
  connected: number;
  failed: number;
  errors: Record<string, number>;
  /** From the first connect attempt of any process to the last handshake ack of any (0 when none). */
  rampMs: number;
}

/** Per screen (connection), monotonic ms; 0 where it never came. See load-client-watch.ts. */
export interface Watched {
  nthAt: Float64Array;
  thenAt: Float64Array;
  counts: Uint16Array;
}

export interface Measurement {
  /** Milliseconds from just before the trigger to each client's receipt. */
  latencies: Float64Array;
  missing: number;
}

type Distributive<T> = T extends unknown ? Omit<T, 'id'> : never;

class ClientProcess {
  private nextId = 1;
  /** Keyed by `${id}:${type}`: one command may be answered twice (arm → armed, received). */
  private waiters = new Map<string, { resolve: (r: ClientReply) => void; reject: (e: Error) => void }>();
  progress = { connected: 0, failed: 0 };

  constructor(readonly child: ChildProcess) {
    child.once('exit', (code, signal) => {
      for (const w of this.waiters.values()) w.reject(new Error(`a load-client process exited (${signal ?? code})`));
      this.waiters.clear();
    });
    child.on('message', (reply: ClientReply) => {
      if (reply.type === 'progress') {
        this.progress = { connected: reply.connected, failed: reply.failed };
        return;
      }
      const key = `${reply.id}:${reply.type}`;
      const w = this.waiters.get(key);
      if (w) {
        this.waiters.delete(key);
        w.resolve(reply);
      }
    });
  }

  private expect<T extends ClientReply['type']>(id: number, want: T): Promise<Extract<ClientReply, { type: T }>> {
    return new Promise((resolve, reject) => this.waiters.set(`${id}:${want}`, { resolve: resolve as (r: ClientReply) => void, reject }));
  }

  /** Sends a command; resolves with its reply of type `want`. */
  request<T extends ClientReply['type']>(cmd: Distributive<ClientCommand>, want: T): Promise<Extract<ClientReply, { type: T }>> {
    const id = this.nextId++;
    const reply = this.expect(id, want);
    this.child.send({ ...cmd, id } as ClientCommand);
    return reply;
  }

  /** Starts a watch: resolves `watching` once listening, `watched` at its end. */
  watch(options: Omit<WatchCommand, 'type' | 'id'>) {
    const id = this.nextId++;
    const watching = this.expect(id, 'watching');
    const watched = this.expect(id, 'watched');
    this.child.send({ type: 'watch', ...options, id } satisfies ClientCommand);
    return { watching, watched };
  }

  /** Arms for an event: resolves `armed` once listening, `received` once every client got it (or timed out). */
  arm(event: string, timeoutMs: number) {
    const id = this.nextId++;
    const armed = this.expect(id, 'armed');
    const received = this.expect(id, 'received');
    this.child.send({ type: 'arm', event, timeoutMs, id } satisfies ClientCommand);
    return { armed, received };
  }
}

export class ClientFleet {
  private constructor(private readonly procs: ClientProcess[]) {}

  static async start(processes: number): Promise<ClientFleet> {
    const procs = Array.from({ length: processes }, () => {
      const child = fork(path.join(ROOT, 'tests/bench/lib/load-client.ts'), [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return new ClientProcess(child);
    });
    // Each process answers once it is up.
    await Promise.all(procs.map((p) => p.request({ type: 'status' }, 'status')));
    return new ClientFleet(procs);
  }

  get size(): number {
    return this.procs.length;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.child.pid!);
  }

  /**
   * Opens `total` more connections, spread evenly over the processes; source addresses are split too
   * so that no one address runs out of ephemeral ports.
   */
  async connect(
    total: number,
    options: { url: string; nsp: string; tokens: string[]; sourceAddresses: string[]; inFlight?: number; attempts?: number; handshakeTimeoutMs?: number },
    onProgress?: (connected: number, failed: number) => void,
  ): Promise<ConnectResult> {
    const k = this.procs.length;
    const wsUrl = `${options.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ticker = onProgress
      ? setInterval(() => {
          const sum = this.procs.reduce((s, p) => ({ connected: s.connected + p.progress.connected, failed: s.failed + p.progress.failed }), { connected: 0, failed: 0 });
          onProgress(sum.connected, sum.failed);
        }, 250)
      : null;
    const replies = await Promise.all(
      this.procs.map((p, i) => {
        p.progress = { connected: 0, failed: 0 };
        const count = Math.floor(total / k) + (i < total % k ? 1 : 0);
        const sourceAddresses = options.sourceAddresses.filter((_, j) => j % k === i);
        return p.request(
          {
            type: 'connect', url: wsUrl, nsp: options.nsp, tokens: options.tokens, count, sourceAddresses, inFlight: Math.ceil((options.inFlight ?? 128) / k),
            attempts: options.attempts, handshakeTimeoutMs: options.handshakeTimeoutMs,
          },
          'connected',
        );
      }),
    );
    if (ticker) clearInterval(ticker);
    const errors: Record<string, number> = {};
    for (const r of replies) for (const [e, n] of Object.entries(r.errors)) errors[e] = (errors[e] ?? 0) + n;
    const acks = replies.filter((r) => r.lastAckAt > 0);
    const rampMs = acks.length ? Math.max(...acks.map((r) => r.lastAckAt)) - Math.min(...replies.map((r) => r.firstAttemptAt)) : 0;
    return { connected: replies.reduce((s, r) => s + r.connected, 0), failed: replies.reduce((s, r) => s + r.failed, 0), errors, rampMs };
  }

  /**
   * Every open connection watches for the `nth` `event` that contains `contains`, and the first `then`
   * after it. `watching` resolves once every process listens; `watched` once every connection saw both
   * or `timeoutMs` passed.
   */
  async watch(options: Omit<WatchCommand, 'type' | 'id'>): Promise<{ watched: Promise<Watched> }> {
    const started = this.procs.map((p) => p.watch(options));
    await Promise.all(started.map((s) => s.watching));
    return { watched: this.collect(Promise.all(started.map((s) => s.watched))) };
  }

  private async collect(all: Promise<Array<{ nthAt: Float64Array; thenAt: Float64Array; counts: Uint16Array }>>): Promise<Watched> {
    const replies = await all;
    const join = <T extends Float64Array | Uint16Array>(make: (n: number) => T, pick: (r: (typeof replies)[number]) => T): T => {
      const out = make(replies.reduce((s, r) => s + pick(r).length, 0));
      let at = 0;
      for (const r of replies) {
        out.set(pick(r), at);
        at += pick(r).length;
      }
      return out;
    };
    return {
      nthAt: join((n) => new Float64Array(n), (r) => r.nthAt),
      thenAt: join((n) => new Float64Array(n), (r) => r.thenAt),
      counts: join((n) => new Uint16Array(n), (r) => r.counts),
    };
  }

  /** Open connections now, and how many closed by themselves since they opened. */
  async status(): Promise<{ open: number; dropped: number }> {
    const replies = await Promise.all(this.procs.map((p) => p.request({ type: 'status' }, 'status')));
    return { open: replies.reduce((s, r) => s + r.open, 0), dropped: replies.reduce((s, r) => s + r.dropped, 0) };
  }

  /**
   * Arms every open connection for `event`, runs `trigger`, and collects the receipt times relative to
   * the moment just before the trigger started.
   */
  async measure(event: string, trigger: () => Promise<void>, timeoutMs = 10_000): Promise<Measurement> {
    const arms = this.procs.map((p) => p.arm(event, timeoutMs));
    await Promise.all(arms.map((a) => a.armed));
    const results = arms.map((a) => a.received);
    const t0 = Number(process.hrtime.bigint()) / 1e6;
    await trigger();
    const replies = await Promise.all(results);
    const total = replies.reduce((s, r) => s + r.times.length - r.missing, 0);
    const latencies = new Float64Array(total);
    let i = 0;
    for (const r of replies) for (const t of r.times) if (t !== 0) latencies[i++] = t - t0;
    return { latencies, missing: replies.reduce((s, r) => s + r.missing, 0) };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.request({ type: 'close' }, 'closed')));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null) return resolve();
            p.child.once('exit', () => resolve());
            p.child.disconnect();
            setTimeout(() => p.child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }
}

/** Hands out loopback source addresses that no earlier phase used (TIME_WAIT keeps ports busy). */
export function addressAllocator(): (n: number) => string[] {
  let next = 2;
  return (n) => Array.from({ length: n }, () => {
    const a = next++;
    return `127.0.${Math.floor(a / 250)}.${2 + (a % 250)}`;
  });
}
