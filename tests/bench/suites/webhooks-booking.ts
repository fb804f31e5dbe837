/**
 * What webhooks cost the booking path: the uncontended booking load of throughput.ts against the
 * product (cluster mode, NODE_ENV=production) with no endpoints, then with 100 enabled endpoints of the
 * gym subscribed to `booking:*` (a loopback receiver answering 200), then with none again; the ratio is
 * to the mean of the two runs without. Then the CPU per delivered event: the load stopped, the
 * dispatchers drain their backlog for a while, and the CPU time of the product's processes (and of
 * its PostgreSQL backends) over that window, read in /proc, is divided by the deliveries received.
 * Last, the minutely forecast pass (measureAreaHours) on the same data: its first pass over the
 * demo's weeks of visits and the passes after it, which are what runs every minute.
 *
 *   npx tsx tests/bench/suites/webhooks-booking.ts [--quick] [--profile=DIR]     this part alone
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadDatabaseConfig } from '../../../backend/src/config.js';
import { openDatabase } from '../../../backend/src/db/database.js';
import { createLogger } from '../../../backend/src/logger.js';
import { createUnitOfWork, LATER } from '../../../backend/src/db/unit-of-work.js';
import { measureAreaHours } from '../../../backend/src/modules/forecast/forecast.jobs.js';
import { addDays } from '../lib/fixture.js';
import { descendants, sleep } from '../lib/proc.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';
import { startProduct } from './product.js';
import { uncontendedLoad } from './throughput.js';

export interface BookingPathCost {
  endpoints: number;
  /** Bookings created per second: without endpoints (before and after) and with them. */
  bookingsPerSecond: { without: [number, number]; with: number };
  /** CPU ms of the product's node processes per booking, in the first run without endpoints. */
  nodeMsPerBooking: number;
  /** Deliveries received while the load with endpoints ran. */
  deliveredDuringLoad: number;
  /** The drain window: deliveries/s and CPU ms per delivery, of the product's node processes and of its PostgreSQL backends. */
  drain: { seconds: number; delivered: number; perSecond: number; nodeMsPerDelivery: number; pgMsPerDelivery: number };
  forecast: { first: { ms: number; hours: number }; steady: Distribution; gyms: number; visits: number };
}

/** Clock ticks per second of utime/stime in /proc (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU ms (user + system) used so far by these processes; gone ones count 0. */
function cpuMs(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(f[11]) + Number(f[12])) * 1000) / TICKS);
    } catch { /* exited */ }
  }
  return out;
}
/** CPU used between two readings, by the processes present in both. */
const used = (a: Map<number, number>, b: Map<number, number>) => [...b].reduce((sum, [pid, v]) => sum + (a.has(pid) ? v - a.get(pid)! : 0), 0);

async function receiver() {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export async function bookingPathCost(options: {
  quick: boolean; workers: number; concurrency: number; durationMs: number; firstDate: string;
  /** V8 CPU profiles of the product's processes into this folder (the bench's --profile). */
  profileDir?: string;
}): Promise<BookingPathCost> {
  const ENDPOINTS = 100;
  const AREAS = 128;
  const rx = await receiver();
  const product = await startProduct({
    workers: options.workers, areas: AREAS, members: AREAS, logLevel: 'warn', profileDir: options.profileDir, tenants: 0, areasPerTenant: 0,
    // The receiver is on loopback, which production refuses.
    env: { WEBHOOK_ALLOW_PRIVATE: 'true' }, databasePrefix: 'bench_webhooks_app',
  });
  const owner = new pg.Client({ connectionString: product.db.url });
  await owner.connect();
  try {
    const { fixture } = product;
    progress(`webhooks on the booking path: signing in ${AREAS} members`);
    const tokens: string[] = [];
    for (let i = 0; i < AREAS; i += 16) tokens.push(...(await Promise.all(Array.from({ length: Math.min(16, AREAS - i) }, (_, k) => product.token(i + k)))));
    const processes = () => [product.node.pid, ...descendants(product.node.pid)];
    const backends = async () =>
      (await owner.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [product.db.name])).rows.map((r) => r.pid);

    let j = 0;
    const load = async (label: string) => {
      const r = await uncontendedLoad(product.url, fixture, tokens, { ...options, from: j, label: `webhooks on the booking path, ${label}` });
      j += r.completed;
      return (r.byStatus['201'] ?? 0) / r.seconds;
    };

    const cpu0 = cpuMs(processes());
    const before = await load('no endpoints');
    const bookedBefore = j;
    const nodeMsPerBooking = used(cpu0, cpuMs(processes())) / bookedBefore;
    const { rows: [counter] } = await owner.query<{ last_seq: number }>('select last_seq from event_counters where tenant_id = $1', [fixture.tenantId]);
    await owner.query(
      `insert into webhook_endpoints (tenant_id, url, events, secret, last_seq)
       select $1, $2 || '/e' || g, '{booking:*}', 'whsec_' || encode(sha256(g::text::bytea), 'base64'), $3 from generate_series(1, $4) g`,
      [fixture.tenantId, rx.url, counter?.last_seq ?? 0, ENDPOINTS],
    );
    const atStart = rx.count();
    const withEndpoints = await load(`${ENDPOINTS} endpoints`);
    const deliveredDuringLoad = rx.count() - atStart;

    // The backlog drains with nothing else running: its CPU is the deliveries'.
    const windowMs = options.quick ? 3000 : 6000;
    const pgPids = await backends();
    const [node0, pg0, n0, t0] = [cpuMs(processes()), cpuMs(pgPids), rx.count(), performance.now()];
    await sleep(windowMs);
    const [node1, pg1, n1, t1] = [cpuMs(processes()), cpuMs(pgPids), rx.count(), performance.now()];
    const delivered = n1 - n0;
    await owner.query('update webhook_endpoints set enabled = false, lease_id = null where tenant_id = $1', [fixture.tenantId]);
    await sleep(1000);
    const after = await load('no endpoints again');

    const forecast = await forecastPass(product.db.url, owner);
    return {
      endpoints: ENDPOINTS,
      bookingsPerSecond: { without: [before, after], with: withEndpoints },
      nodeMsPerBooking,
      deliveredDuringLoad,
      drain: {
        seconds: (t1 - t0) / 1000, delivered, perSecond: delivered / ((t1 - t0) / 1000),
        nodeMsPerDelivery: used(node0, node1) / delivered, pgMsPerDelivery: used(pg0, pg1) / delivered,
      },
      forecast,
    };
  } finally {
    await owner.end();
    await product.stop();
    await rx.close();
  }
}

/** measureAreaHours as the minutely job runs it, in this process on the product's database: first pass, then steady passes. */
async function forecastPass(url: string, owner: pg.Client): Promise<BookingPathCost['forecast']> {
  progress('forecast pass: measuring area hours');
  const db = await openDatabase(loadDatabaseConfig({ DATABASE_URL: url }).database, { migrate: false });
  try {
    const uow = createUnitOfWork(db, LATER);
    const log = createLogger({ logLevel: 'warn' });
    const { rows: [counts] } = await owner.query<{ gyms: number; visits: number }>('select (select count(*)::int from tenants) as gyms, (select count(*)::int from visits) as visits');
    // The product's own job may have measured already: start from no hours, as a new deployment does.
    await owner.query('delete from area_hours');
    const run = async () => {
      for (;;) {
        const t = performance.now();
        const r = await measureAreaHours({ db, uow, log });
        if (r.failed) throw new Error(`the forecast pass failed for ${r.failed} gyms`);
        if (!r.skipped) return { ms: performance.now() - t, hours: r.hours };
        await sleep(200); // the product's pass holds the lock
      }
    };
    const first = await run();
    const steady: number[] = [];
    for (let i = 0; i < 5; i++) steady.push((await run()).ms);
    return { first, steady: distribution(steady), gyms: counts!.gyms, visits: counts!.visits };
  } finally {
    await db.close();
  }
}

if (process.argv[1]?.endsWith('webhooks-booking.ts')) {
  const quick = process.argv.includes('--quick');
  const profileDir = process.argv.find((a) => a.startsWith('--profile='))?.slice(10);
  const r = await bookingPathCost({ quick, workers: 2, concurrency: 32, durationMs: quick ? 2000 : 8000, firstDate: addDays(new Date().toISOString().slice(0, 10), 1), profileDir });
  console.log(JSON.stringify(r, null, 2));
}
