/**
 * Webhooks against a bare loop: event → webhook receipt (p50/p99, one endpoint, one event at a time)
 * and deliveries per second to 1 and to 100 endpoints, next to a bare HTTP POST loop to the same
 * loopback receiver with the same number of requests in flight as the dispatcher's lanes. The product
 * runs in this process (one server on a scratch PostgreSQL database); events are recorded through its
 * unit of work, so they take the real path: commit, numbering, wake-up, claim, sign, post, record.
 *
 *   npx tsx tests/bench/suites/webhooks.ts [--quick]     this suite alone (prints its figures)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../backend/src/config.js';
import { startServer } from '../../../backend/src/server.js';
import { createMigratedDatabase, PRODUCTION_SECRETS } from '../lib/database.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';

export interface WebhookBench {
  lanes: number;
  latency: Distribution;
  bareLatency: Distribution;
  perSecond: { one: number; hundred: number };
  barePerSecond: number;
  /** CPU ms of this process per bare POST of that loop: the client and the receiver together. */
  bareCpuMsPerPost: number;
}

const LANES = 8;

/** A loopback receiver that notes when each (path, seq) arrived and calls back waiters. */
async function receiver() {
  const arrivals = new Map<string, number>();
  let count = 0;
  const waiters: Array<{ until: number; done: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const seq = /"seq":(\d+)/.exec(body)?.[1] ?? 'bare';
      arrivals.set(`${req.url}:${seq}`, performance.now());
      count++;
      for (let i = waiters.length - 1; i >= 0; i--) if (count >= waiters[i]!.until) waiters.splice(i, 1)[0]!.done();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    count: () => count,
    /** Resolves once `n` more requests have arrived. */
    more: (n: number) => new Promise<void>((done) => waiters.push({ until: count + n, done })),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export async function webhookBench(options: { quick: boolean }): Promise<WebhookBench> {
  const samples = options.quick ? 50 : 300;
  const events = options.quick ? 100 : 400;
  const db = await createMigratedDatabase('bench_webhooks');
  const rx = await receiver();
  const server = await startServer(loadConfig({
    NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, ...PRODUCTION_SECRETS, LOG_LEVEL: 'warn',
    SEED_DEMO: 'true', SEED_DEMO_ACTIVITY: 'false', BCRYPT_COST: '4', WEBHOOK_CONCURRENCY: String(LANES), MIGRATE_ON_START: 'false',
  }));
  try {
    const { uow } = server.deps;
    const gym = (await uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id as string;
    const record = (n: number) => uow.inTenant(gym, async (scope) => {
      for (let i = 0; i < n; i++) scope.record('occupancy', { area_id: '00000000-0000-4000-8000-000000000001', current_users: i, capacity: 99 });
    });
    const addEndpoints = (n: number, prefix: string) => uow.inTenant(gym, async ({ trx }) => {
      const counter = await trx('event_counters').first('last_seq');
      await trx('webhook_endpoints').insert(Array.from({ length: n }, (_, i) => ({
        tenant_id: gym, url: `${rx.url}/${prefix}${i}`, events: ['occupancy'], secret: `whsec_${Buffer.alloc(32, i).toString('base64')}`, last_seq: counter?.last_seq ?? 0,
      })));
    });
    const disableAll = () => uow.inTenant(gym, ({ trx }) => trx('webhook_endpoints').update({ enabled: false }));

    // Latency: one event at a time to one endpoint, commit → receipt.
    await addEndpoints(1, 'one');
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const arrived = rx.more(1);
      const t = performance.now();
      await record(1);
      await arrived;
      latencies.push(performance.now() - t);
      if (i % 20 === 0) progress(`webhooks: event → receipt ${i}/${samples}`);
    }

    // Throughput to one endpoint (in order, one at a time by design) and to 100.
    const rate = async (endpoints: number, label: string) => {
      const expected = endpoints * events;
      const arrived = rx.more(expected);
      const t = performance.now();
      for (let done = 0; done < events; done += 50) await record(Math.min(50, events - done));
      const ticker = setInterval(() => progress(`webhooks: ${label} ${rx.count().toLocaleString('en-US')} received`), 250);
      await arrived;
      clearInterval(ticker);
      return expected / ((performance.now() - t) / 1000);
    };
    const one = await rate(1, 'to 1 endpoint');
    await disableAll();
    await addEndpoints(100, 'hundred');
    const hundred = await rate(100, 'to 100 endpoints');
    await disableAll();

    // The bare loop: the same receiver, a keep-alive agent, one at a time and then LANES in flight.
    const agent = new http.Agent({ keepAlive: true, maxSockets: LANES });
    const body = JSON.stringify({ type: 'occupancy', timestamp: new Date().toISOString(), data: { seq: 1, at: new Date().toISOString(), area_id: 'x', current_users: 1, capacity: 99 } });
    const post = () => new Promise<void>((resolve, reject) => {
      const req = http.request(`${rx.url}/bare`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await post();
      bare.push(performance.now() - t);
    }
    const total = Math.max(events * 10, 2000);
    let sent = 0;
    const t = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: LANES }, async () => {
      while (sent < total) {
        sent++;
        await post();
      }
    }));
    const barePerSecond = total / ((performance.now() - t) / 1000);
    const { user, system } = process.cpuUsage(cpu);
    const bareCpuMsPerPost = (user + system) / 1000 / total;
    agent.destroy();
    return { lanes: LANES, latency: distribution(latencies), bareLatency: distribution(bare), perSecond: { one, hundred }, barePerSecond, bareCpuMsPerPost };
  } finally {
    await server.close();
    await rx.close();
    await db.drop();
  }
}

if (process.argv[1]?.endsWith('webhooks.ts')) {
  const r = await webhookBench({ quick: process.argv.includes('--quick') });
  const f = (d: Distribution) => `p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms`;
  console.log(`\nevent → webhook receipt: ${f(r.latency)}; bare POST: ${f(r.bareLatency)}`);
  console.log(`deliveries/s: 1 endpoint ${r.perSecond.one.toFixed(0)}, 100 endpoints ${r.perSecond.hundred.toFixed(0)}; bare POST loop (${r.lanes} in flight) ${r.barePerSecond.toFixed(0)}`);
}
