/**
 * Fan-out latency and idle-connection cost of one Socket.IO deployment (the product or the bare
 * baseline): clients are added in steps; at each step the server's memory is read, the spread over
 * the workers is checked in /proc, and a number of triggered events are timed from the trigger to
 * every client's receipt.
 */
import type { ClientFleet } from '../lib/client-fleet.js';
import { connectionsByProcess, sleep, treeRss } from '../lib/proc.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';

export interface Target {
  url: string;
  port: number;
  /** The server's root process (primary); its descendants are the workers. */
  pid: number;
  nsp: string;
  tokens: string[];
}

export interface StepResult {
  clients: number;
  latency: Distribution;
  /** Receipts that did not arrive within the timeout, over all samples. */
  missing: number;
  samples: number;
  /** From the trigger to its own answer (for the product: the POST /api/book-room round trip). */
  trigger: Distribution;
  /** Connections held per server process (primary first). */
  spread: number[];
  rssBytes: number;
}

export interface BroadcastResult {
  label: string;
  idleRssBytes: number;
  steps: StepResult[];
  connectErrors: Record<string, number>;
}

export interface BroadcastOptions {
  label: string;
  steps: number[];
  samples: (clients: number) => number;
  /** Sends one event to every client (e.g. creates a booking); resolves when the trigger's request has answered. */
  trigger: (i: number) => Promise<void>;
  sourceAddresses: (n: number) => string[];
  event: string;
}

export function spreadOf(target: Target): number[] {
  const byPid = connectionsByProcess(target.pid, target.port);
  return [...byPid.values()];
}

export async function broadcastSteps(fleet: ClientFleet, target: Target, options: BroadcastOptions): Promise<BroadcastResult> {
  await sleep(500);
  const idleRssBytes = treeRss(target.pid);
  const steps: StepResult[] = [];
  const connectErrors: Record<string, number> = {};
  let open = 0;
  let sample = 0;
  for (const clients of options.steps) {
    const add = clients - open;
    if (add > 0) {
      const res = await fleet.connect(
        add,
        { url: target.url, nsp: target.nsp, tokens: target.tokens, sourceAddresses: options.sourceAddresses(Math.ceil(add / 2000) + fleet.size) },
        (c, f) => progress(`${options.label}: connecting ${(open + c).toLocaleString('en-US')}/${clients.toLocaleString('en-US')} clients${f ? ` (${f} failed)` : ''}`),
      );
      for (const [e, n] of Object.entries(res.errors)) connectErrors[e] = (connectErrors[e] ?? 0) + n;
      // A few stragglers are reported, not fatal; losing more than 1% means the figure would be wrong.
      if (res.failed > add / 100) throw new Error(`${options.label}: ${res.failed} of ${add} clients could not connect: ${JSON.stringify(res.errors)}`);
    }
    open = (await fleet.status()).open;
    await sleep(300);
    const rssBytes = treeRss(target.pid);
    const spread = spreadOf(target);
    const all: Float64Array[] = [];
    const triggerMs: number[] = [];
    let missing = 0;
    const n = options.samples(clients);
    // Two unrecorded events first: the first broadcast to fresh connections allocates their buffers.
    for (let s = -2; s < n; s++) {
      progress(`${options.label}: ${clients.toLocaleString('en-US')} clients, event ${s + 1}/${n}`);
      let took = 0;
      const m = await fleet.measure(options.event, async () => {
        const t = performance.now();
        await options.trigger(sample++);
        took = performance.now() - t;
      }, 5_000);
      if (s >= 0) {
        all.push(m.latencies);
        missing += m.missing;
        triggerMs.push(took);
      }
      await sleep(30);
    }
    const merged = new Float64Array(all.reduce((sum, a) => sum + a.length, 0));
    let at = 0;
    for (const a of all) {
      merged.set(a, at);
      at += a.length;
    }
    steps.push({ clients: open, latency: distribution(merged), trigger: distribution(triggerMs), missing, samples: n, spread, rssBytes });
  }
  return { label: options.label, idleRssBytes, steps, connectErrors };
}
