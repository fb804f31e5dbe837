/**
 * `npm run bench`: measures the product against the bare limits of the machine and writes
 * BENCHMARKS.md. Needs the local PostgreSQL and Redis; starts everything else (the product in cluster
 * mode, bare baseline servers, load-client processes) and stops it again.
 *
 *   npm run bench                 the full run (1,000 / 5,000 / 10,000 clients), writes BENCHMARKS.md
 *   npm run bench -- --quick      small numbers for development; writes nothing unless --write
 *   npm run bench -- --skip=bare,pg,koa,redis,product,latency,idle,throughput,rush,forecast,webhooks,webhooks-booking
 *                                 leaves parts out (then nothing is written)
 *   npm run bench -- --profile=/tmp/prof   V8 CPU profiles of the product's primary and workers
 */
import os from 'node:os';
import net from 'node:net';
import { addressAllocator, ClientFleet } from './lib/client-fleet.js';
import { dropLeftovers, PG_ADMIN_URL, REDIS_URL } from './lib/database.js';
import { addDays } from './lib/fixture.js';
import { describeMachine } from './lib/machine.js';
import { freePort, ROOT, spawnEntry, type Spawned } from './lib/proc.js';
import { clearProgress, elapsedSeconds, say, step } from './lib/progress.js';
import { backtest } from '../../scripts/forecast-backtest.js';
import { summaryLines, writeReport, type Results } from './report.js';
import { scaleDetails } from './report-scale.js';
import { koaBaseline } from './suites/baseline-koa.js';
import { pgBaseline } from './suites/baseline-pg.js';
import { redisBaseline } from './suites/baseline-redis.js';
import { broadcastSteps, type Target } from './suites/broadcast.js';
import { runIdle, workersFor } from './run-idle.js';
import { fileLimitOf, raiseFileLimit } from './lib/file-limits.js';
import { runRush, RUSH_PLAN } from './run-rush.js';
import { startProduct, type Product } from './suites/product.js';
import { bookingThroughput } from './suites/throughput.js';
import { webhookBench } from './suites/webhooks.js';
import { bookingPathCost } from './suites/webhooks-booking.js';
import { plannedBooking, SLOT_MINUTES } from './lib/fixture.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const skip = new Set((process.argv.find((a) => a.startsWith('--skip='))?.slice(7) ?? '').split(',').filter(Boolean));
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const write = !quick && skip.size === 0 ? true : args.has('--write');

const WORKERS = 2;
/** Per worker, as DATABASE_POOL_MAX's default. */
const POOL_PER_WORKER = 10;
const CONCURRENCY = 32;
const RACERS = 32;
const AREAS = 128;
const SOCKET_MEMBERS = 16;
/** Extra gyms for bookings spread over tenants, and rooms (and members) in each. */
const TENANTS = 16;
const AREAS_PER_TENANT = 16;

/**
 * 100,000 sockets need more descriptors than the usual limit; raised here, before anything is spawned,
 * so that every child (servers, workers, load clients) inherits it. Without CAP_SYS_RESOURCE (root in a
 * container may lack it) it stays as it was and the idle step reports the limit that stopped it.
 */
const WANTED_FILE_LIMIT = 250_000;
const fileLimitRaise = raiseFileLimit(WANTED_FILE_LIMIT);
const fileLimit = () => fileLimitOf('self');

const plan = quick
  ? { steps: [100, 500, 1000], samples: () => 5, durationMs: 2000, baseMs: 1500, idleCap: 5000, idleChunk: 2500, holdMs: 1000 }
  : {
      steps: [1000, 5000, 10000],
      // Events per step: a p99 over fewer than ~30 events is the tail of one or two of them, and moved by a third between runs.
      samples: (n: number) => (n <= 1000 ? 40 : 30),
      durationMs: 8000,
      baseMs: 4000,
      // The idle step stops short of each worker's open-file limit by itself (suites/idle-connections.ts).
      idleCap: 100_000,
      idleChunk: 10_000,
      holdMs: 5000,
    };
/** Each load process holds at most ~limit sockets. */
const CLIENT_PROCESSES = Math.max(2, Math.ceil(plan.idleCap / (fileLimit() - 1000)));
/** Connects in flight over all load processes while ramping idle clients. */
const IDLE_IN_FLIGHT = 1024;

function reachable(url: string, port: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || port) });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanup(): Promise<void> {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      console.error(`cleanup: ${(err as Error).message}`);
    }
  }
}

/** Webhooks: delivery against a bare POST loop, then what they cost the booking path (its own product). */
async function webhookParts(results: Results, firstDate: string): Promise<void> {
  step('webhooks: event → receipt and deliveries/s against a bare POST loop');
  results.webhooks = await webhookBench({ quick });
  if (skip.has('webhooks-booking')) return;
  step('webhooks: bookings/s with and without 100 endpoints, CPU per delivery, the forecast pass');
  results.webhookBooking = await bookingPathCost({
    quick, workers: WORKERS, concurrency: CONCURRENCY, durationMs: plan.durationMs, firstDate, profileDir: option('profile'),
  });
}

async function main(): Promise<void> {
  for (const [name, url, port] of [['PostgreSQL', PG_ADMIN_URL, 5432], ['Redis', REDIS_URL, 6379]] as const) {
    if (!(await reachable(url, port))) throw new Error(`${name} is not reachable at ${url}: start the local servers first`);
  }
  await dropLeftovers();
  const machine = await describeMachine(PG_ADMIN_URL, REDIS_URL);
  if (fileLimitRaise.error) say(`Open-file limit stays at ${fileLimit().toLocaleString('en-US')} per process: ${fileLimitRaise.error}`);
  else say(`Open-file limit ${fileLimit().toLocaleString('en-US')} per process (the bench and everything it starts)`);
  say(`Benchmarks (${quick ? 'quick' : 'full'} run) on ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}; load ${machine.loadAverage}`);
  const results: Results = {
    mode: quick ? 'quick' : 'full', workers: WORKERS, concurrency: CONCURRENCY, racers: RACERS, seconds: 0,
    fileLimit: { wanted: WANTED_FILE_LIMIT, got: fileLimit(), error: fileLimitRaise.error },
  };

  // Future dates (bookings go at most 366 days ahead), apart so the phases never meet: the uncontended
  // run fills 3,072 slots a day (days 1–99 hold 300,000), the race one slot per round.
  const tomorrow = addDays(new Date().toISOString().slice(0, 10), 1);
  const dates = { throughput: tomorrow, race: addDays(tomorrow, 100), rush: addDays(tomorrow, 200), latency: addDays(tomorrow, 300) };

  if (!skip.has('forecast')) {
    step('the busy-hours forecast against naive baselines (backtest)');
    results.forecast = backtest();
  }
  if (!skip.has('webhooks')) await webhookParts(results, tomorrow);
  if (!skip.has('redis')) {
    step('baseline: Redis PUBLISH');
    results.redis = await redisBaseline(REDIS_URL, plan.baseMs);
  }
  if (!skip.has('pg')) {
    step('baseline: the booking INSERT through pg alone');
    results.pg = await pgBaseline({ poolSize: WORKERS * POOL_PER_WORKER, concurrency: CONCURRENCY, durationMs: plan.baseMs, firstDate: tomorrow });
  }
  if (!skip.has('koa')) {
    step('baseline: a bare Koa endpoint');
    results.koa = await koaBaseline({ workers: WORKERS, concurrency: CONCURRENCY, durationMs: plan.baseMs });
  }

  const fleet = await ClientFleet.start(CLIENT_PROCESSES);
  cleanups.push(() => fleet.stop());
  const addresses = addressAllocator();

  if (!skip.has('bare')) {
    step('baseline: bare Socket.IO broadcast');
    const port = await freePort();
    const nsp = '/tenant/00000000-0000-4000-8000-000000000000';
    const server: Spawned = spawnEntry('tests/bench/servers/bare-socketio.ts', { ...process.env, PORT: String(port), WORKERS: String(WORKERS), NAMESPACE: nsp, REDIS_URL });
    cleanups.push(() => server.stop());
    await server.waitForLine(/^ready$/, 30_000);
    const target: Target = { url: `http://127.0.0.1:${port}`, port, pid: server.pid, nsp, tokens: ['none'] };
    const emit = async () => {
      const res = await fetch(`${target.url}/emit`, { method: 'POST', body: '{}' });
      if (res.status !== 204) throw new Error(`bare emit answered ${res.status}`);
    };
    const broadcast = await broadcastSteps(fleet, target, {
      label: 'bare Socket.IO', steps: plan.steps, samples: plan.samples, trigger: emit, sourceAddresses: addresses, event: 'booking:created',
    });
    results.bare = { broadcast };
    await fleet.closeAll();
    await cleanups.pop()!();
  }

  if (!skip.has('product')) {
    step('product: starting');
    const product: Product = await startProduct({
      workers: WORKERS, areas: AREAS, members: AREAS + RACERS + SOCKET_MEMBERS, logLevel: 'info',
      profileDir: option('profile'), tenants: TENANTS, areasPerTenant: AREAS_PER_TENANT,
      rush: skip.has('rush') ? undefined : RUSH_PLAN(quick),
    });
    cleanups.push(() => product.stop());
    const tokens = await Promise.all(Array.from({ length: SOCKET_MEMBERS }, (_, i) => product.token(AREAS + RACERS + i)));
    const target: Target = { url: product.url, port: product.port, pid: product.node.pid, nsp: product.nsp, tokens };
    const book = async (i: number) => {
      const b = plannedBooking(product.fixture, dates.latency, i);
      const res = await fetch(`${product.url}/api/book-room`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await product.token(b.memberIndex)}` },
        body: JSON.stringify({ room_id: b.areaId, date: b.date, time: b.time, duration: SLOT_MINUTES }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`POST /api/book-room answered ${res.status}: ${text.slice(0, 300)}`);
    };
    // Sign the bookers in before the clock runs.
    for (let i = 0; i < Math.max(...plan.steps.map(plan.samples)) * plan.steps.length; i++) await product.token(plannedBooking(product.fixture, dates.latency, i).memberIndex);
    results.product = {};
    if (!skip.has('latency')) {
      step('product: booking → screen');
      const broadcast = await broadcastSteps(fleet, target, {
        label: 'product', steps: plan.steps, samples: plan.samples, trigger: book, sourceAddresses: addresses, event: 'booking:created',
      });
      results.product.broadcast = broadcast;
      await fleet.closeAll();
    }
    if (!skip.has('throughput')) {
      step('product: booking throughput');
      results.product.throughput = await bookingThroughput(product, {
        concurrency: CONCURRENCY, racers: RACERS, durationMs: plan.durationMs, firstDate: dates.throughput, raceFirstDate: dates.race,
      });
    }
    if (!skip.has('rush')) results.rush = await runRush(product, fleet, { quick, date: dates.rush, poolSize: WORKERS * POOL_PER_WORKER, sourceAddresses: addresses });
    results.product.problems = product.node.problems();
    await cleanups.pop()!();
  }

  if (!skip.has('idle')) {
    results.idleWorkers = workersFor(plan.idleCap, fileLimit(), WORKERS);
    const idle = await runIdle(fleet, {
      cap: plan.idleCap, chunk: plan.idleChunk, holdMs: plan.holdMs, inFlight: IDLE_IN_FLIGHT, sourceAddresses: addresses,
      workers: results.idleWorkers,
    }, { bare: !skip.has('bare'), product: !skip.has('product') });
    if (results.bare && idle.bare) results.bare.idle = idle.bare;
    if (results.product && idle.product) results.product.idle = idle.product;
  }

  await cleanup();
  machine.loadAverageEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  results.seconds = elapsedSeconds();
  clearProgress();
  say('');
  for (const line of summaryLines(results)) say(line);
  say(scaleDetails(results));
  say(`\nTotal ${Math.round(results.seconds)} s.`);
  if (write) say(`Wrote ${writeReport(ROOT, results, machine)}`);
  else say('(BENCHMARKS.md not written: partial or quick run; add --write to write it anyway)');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearProgress();
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main().catch(async (err: Error) => {
  clearProgress();
  console.error(`\nbench failed: ${err.stack ?? err.message}`);
  await cleanup();
  process.exit(1);
});
