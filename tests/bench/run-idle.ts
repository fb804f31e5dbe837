/**
 * The idle-connections step of `npm run bench`, on deployments of their own: each process holds at most
 * its open-file limit of sockets (20,000 here, and raising it needs CAP_SYS_RESOURCE), so holding the
 * cap takes as many cluster workers as the limit requires, the bare server as many as the product. The
 * latency and throughput figures stay on the 2-worker deployments.
 */
import type { ClientFleet } from './lib/client-fleet.js';
import { REDIS_URL } from './lib/database.js';
import { freePort, sleep, spawnEntry, treeRss } from './lib/proc.js';
import { step } from './lib/progress.js';
import type { Target } from './suites/broadcast.js';
import { holdIdle, type IdleResult } from './suites/idle-connections.js';
import { startProduct } from './suites/product.js';

export interface IdlePlan {
  cap: number;
  chunk: number;
  holdMs: number;
  inFlight: number;
  /** Cluster workers of each deployment. */
  workers: number;
  sourceAddresses: (n: number) => string[];
}

/** Workers needed to hold `cap` sockets under a per-process open-file limit (a margin for each one's own files). */
export const workersFor = (cap: number, fileLimit: number, atLeast: number) => Math.max(atLeast, Math.ceil(cap / (fileLimit - 2000)));

export async function runIdle(fleet: ClientFleet, plan: IdlePlan, parts: { bare: boolean; product: boolean }): Promise<{ bare?: IdleResult; product?: IdleResult }> {
  const out: { bare?: IdleResult; product?: IdleResult } = {};
  const hold = async (label: string, target: Target, probePastLimit?: number) => {
    await sleep(500);
    const result = await holdIdle(fleet, target, {
      label, cap: plan.cap, chunk: plan.chunk, holdMs: plan.holdMs, idleRssBytes: treeRss(target.pid),
      sourceAddresses: plan.sourceAddresses, inFlight: plan.inFlight, probePastLimit,
    });
    await fleet.closeAll();
    return result;
  };
  if (parts.bare) {
    step(`idle connections: bare Socket.IO with ${plan.workers} workers`);
    const port = await freePort();
    const nsp = '/tenant/00000000-0000-4000-8000-000000000000';
    const server = spawnEntry('tests/bench/servers/bare-socketio.ts', { ...process.env, PORT: String(port), WORKERS: String(plan.workers), NAMESPACE: nsp, REDIS_URL });
    try {
      await server.waitForLine(/^ready$/, 60_000);
      out.bare = await hold('bare Socket.IO', { url: `http://127.0.0.1:${port}`, port, pid: server.pid, nsp, tokens: ['none'] }, 500);
    } finally {
      await server.stop();
    }
  }
  if (parts.product) {
    step(`idle connections: the product with ${plan.workers} workers`);
    const product = await startProduct({ workers: plan.workers, areas: 1, members: 16, logLevel: 'info', tenants: 0, areasPerTenant: 0 });
    try {
      const tokens = await Promise.all(Array.from({ length: 16 }, (_, i) => product.token(i)));
      out.product = await hold('product', { url: product.url, port: product.port, pid: product.node.pid, nsp: product.nsp, tokens });
    } finally {
      await product.stop();
    }
  }
  return out;
}
