/**
 * Turns the measurements into the one-line summaries printed at the end and into BENCHMARKS.md (the
 * figures, each next to its bare baseline and its target, the machine, and the analysis of what limits
 * each figure, kept by hand in tests/bench/analysis.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Machine } from './lib/machine.js';
import type { LoadResult } from './lib/http-load.js';
import { int, kb, ms, pct, ratio } from './lib/stats.js';
import type { BroadcastResult } from './suites/broadcast.js';
import type { IdleResult } from './suites/idle-connections.js';
import type { RushResults } from './run-rush.js';
import { idleRows, rushRows, scaleDetails, scaleMeasuredText } from './report-scale.js';
import type { PgBaseline } from './suites/baseline-pg.js';
import type { RedisBaseline } from './suites/baseline-redis.js';
import type { ThroughputResult } from './suites/throughput.js';
import { backtestTable, type BacktestRow } from '../../scripts/forecast-backtest.js';
import type { WebhookBench } from './suites/webhooks.js';
import type { BookingPathCost } from './suites/webhooks-booking.js';
import { webhookHowMeasured, webhookRows } from './report-webhooks.js';

export interface Results {
  mode: 'full' | 'quick';
  workers: number;
  concurrency: number;
  racers: number;
  redis?: RedisBaseline;
  pg?: PgBaseline;
  koa?: LoadResult;
  bare?: { broadcast: BroadcastResult; idle?: IdleResult };
  /** Cluster workers of the idle step's deployments (run-idle.ts). */
  idleWorkers?: number;
  product?: { broadcast?: BroadcastResult; idle?: IdleResult; throughput?: ThroughputResult; problems?: string[] };
  forecast?: BacktestRow[];
  webhooks?: WebhookBench;
  webhookBooking?: BookingPathCost;
  rush?: RushResults;
  /** The open-file limit the run asked for and got (and why not, when it could not raise it). */
  fileLimit?: { wanted: number; got: number; error?: string };
  seconds: number;
}

/**
 * The targets, each a ratio to its bare baseline of the same run: booking→screen p99 at most 1.15× the
 * bare broadcast's, bookings at least half the bare INSERT + event log rate, an idle connection no more
 * memory than the bare server's.
 */
export const TARGETS = { latencyP99Ratio: 1.15, shareOfPgWithLog: 0.5, memoryRatio: 1 };

const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? '✓' : '✗ MISSED');

export interface Row {
  figure: string;
  product: string;
  baseline: string;
  ratio: string;
  target: string;
  met?: boolean;
}

function rows(r: Results): Row[] {
  const out: Row[] = [];
  const bareSteps = new Map(r.bare?.broadcast.steps.map((s) => [s.clients, s]) ?? []);
  for (const s of r.product?.broadcast?.steps ?? []) {
    const b = bareSteps.get(s.clients) ?? r.bare?.broadcast.steps.find((x) => Math.abs(x.clients - s.clients) / s.clients < 0.01);
    out.push({
      figure: `booking→screen, ${int(s.clients)} clients (p50 / p99 / max)`,
      product: `${ms(s.latency.p50)} / ${ms(s.latency.p99)} / ${ms(s.latency.max)} ms (the POST itself p50 ${ms(s.trigger.p50)} ms)${s.missing ? `, ${int(s.missing)} missed` : ''}`,
      baseline: b ? `bare Socket.IO ${ms(b.latency.p50)} / ${ms(b.latency.p99)} / ${ms(b.latency.max)} ms` : '–',
      ratio: b ? `p99 ${ratio(s.latency.p99, b.latency.p99)}` : '–',
      target: `p99 ≤ ${TARGETS.latencyP99Ratio}× bare`,
      met: b ? s.latency.p99 <= TARGETS.latencyP99Ratio * b.latency.p99 && s.missing === 0 : undefined,
    });
  }
  if (!r.product) {
    for (const b of r.bare?.broadcast.steps ?? []) {
      out.push({ figure: `bare Socket.IO broadcast, ${int(b.clients)} clients`, product: '', baseline: `${ms(b.latency.p50)} / ${ms(b.latency.p99)} / ${ms(b.latency.max)} ms`, ratio: '', target: '' });
    }
    if (r.pg) out.push({ figure: 'pg INSERT (baseline)', product: '', baseline: `${int(r.pg.uncontendedPerSecond)}/s uncontended, ${int(r.pg.withEventsPerSecond)}/s with the event log, ${int(r.pg.serialCommitsPerSecond)}/s one at a time, ${int(r.pg.contendedPerSecond)}/s raced`, ratio: '', target: '' });
    if (r.koa) out.push({ figure: 'bare Koa (baseline)', product: '', baseline: `${int(r.koa.rate)} req/s, p50 ${ms(r.koa.latency.p50)} ms`, ratio: '', target: '' });
    if (r.bare?.idle) out.push({ figure: 'bare Socket.IO idle', product: '', baseline: `${int(r.bare.idle.held)} held, ${kb(r.bare.idle.bytesPerConnection)} each`, ratio: '', target: '' });
  }
  const t = r.product?.throughput;
  if (t) {
    const pgRate = r.pg?.uncontendedPerSecond ?? NaN;
    const other = (byStatus: Record<string, number>, expected: string[]) =>
      Object.entries(byStatus).filter(([code]) => !expected.includes(code)).map(([code, n]) => `${int(n)}× ${code}`).join(', ');
    const unexpected = other(t.uncontended.byStatus, ['201']);
    const raceUnexpected = other(t.contended.byStatus, ['201', '409']);
    out.push({
      figure: `bookings, uncontended (${r.concurrency} clients)`,
      product: `${int(t.uncontended.createdPerSecond)}/s (p50 ${ms(t.uncontended.latency.p50)} ms, p99 ${ms(t.uncontended.latency.p99)} ms)${unexpected ? `; unexpected answers: ${unexpected}` : ''}`,
      baseline: `pg INSERT ${int(pgRate)}/s; pg INSERT + event log ${int(r.pg?.withEventsPerSecond ?? NaN)}/s; pg one commit at a time ${int(r.pg?.serialCommitsPerSecond ?? NaN)}/s; bare Koa ${int(r.koa?.rate ?? NaN)} req/s`,
      ratio: `${pct(t.uncontended.createdPerSecond, pgRate)} of pg; ${pct(t.uncontended.createdPerSecond, r.pg?.withEventsPerSecond ?? NaN)} of pg + log; ${pct(t.uncontended.createdPerSecond, r.koa?.rate ?? NaN)} of Koa`,
      target: `≥ ${TARGETS.shareOfPgWithLog * 100}% of pg + log`,
      met: !unexpected && t.uncontended.createdPerSecond >= TARGETS.shareOfPgWithLog * (r.pg?.withEventsPerSecond ?? NaN),
    });
    const spreadOut = other(t.manyTenants.byStatus, ['201']);
    out.push({
      figure: `bookings over ${t.manyTenants.tenants} gyms (${r.concurrency} clients)`,
      product: `${int(t.manyTenants.createdPerSecond)}/s (p50 ${ms(t.manyTenants.latency.p50)} ms, p99 ${ms(t.manyTenants.latency.p99)} ms)${spreadOut ? `; unexpected answers: ${spreadOut}` : ''}`,
      baseline: `pg INSERT ${int(pgRate)}/s`,
      ratio: `${pct(t.manyTenants.createdPerSecond, pgRate)} of pg`,
      target: '',
    });
    out.push({
      figure: `bookings, contended (${t.contended.racers} racing per slot)`,
      product: `${int(t.contended.attemptsPerSecond)} decided/s, ${t.contended.rounds} rounds, ${t.contended.badRounds} without exactly one winner${raceUnexpected ? `; unexpected answers: ${raceUnexpected}` : ''}`,
      baseline: r.pg ? `pg INSERT ${int(r.pg.contendedPerSecond)}/s` : '–',
      ratio: pct(t.contended.attemptsPerSecond, r.pg?.contendedPerSecond ?? NaN),
      target: 'one winner per slot',
      met: t.contended.badRounds === 0 && !raceUnexpected,
    });
    out.push({
      figure: 'overbooking check after the run',
      product: `${int(t.check.confirmed)} confirmed bookings, ${t.check.overbooked} overbooked, ${t.check.doubleBooked} double-booked`,
      baseline: '',
      ratio: '',
      target: '0 and 0',
      met: t.check.overbooked === 0 && t.check.doubleBooked === 0,
    });
  }
  out.push(...idleRows(r), ...rushRows(r));
  if (r.redis) {
    const events = (t?.uncontended.createdPerSecond ?? NaN) * 2;
    out.push({
      figure: 'Redis PUBLISH (baseline)',
      product: t ? `bookings publish ${int(events)} events/s` : '–',
      baseline: `${int(r.redis.publishPerSecond)}/s; pub→sub p50 ${ms(r.redis.latency.p50)} ms, p99 ${ms(r.redis.latency.p99)} ms`,
      ratio: t ? `${pct(events, r.redis.publishPerSecond)} of it` : '–',
      target: '',
    });
  }
  out.push(...webhookRows(r));
  return out;
}

export function summaryLines(r: Results): string[] {
  return rows(r).map((row) =>
    [row.figure.padEnd(48), row.product, row.baseline && `| ${row.baseline}`, row.ratio && `→ ${row.ratio}`, row.target && `| target ${row.target}`, mark(row.met)]
      .filter(Boolean)
      .join('  '),
  );
}

export function markdown(r: Results, machine: Machine, analysisPath: string): string {
  const table = rows(r)
    .map((row) => `| ${row.figure} | ${row.product} | ${row.baseline || '–'} | ${row.ratio || '–'} | ${row.target || '–'} | ${row.met === undefined ? '' : row.met ? 'yes' : '**no**'} |`)
    .join('\n');
  const spread = (label: string, b?: BroadcastResult) =>
    b ? b.steps.map((s) => `${label} ${int(s.clients)}: ${s.spread.filter((n) => n > 0).map(int).join(' + ')} (${(s.rssBytes / 2 ** 20).toFixed(0)} MB RSS in all)`).join('; ') : '';
  const analysis = fs.existsSync(analysisPath) ? fs.readFileSync(analysisPath, 'utf8').trim() : '';
  return `# Benchmarks

Produced by \`npm run bench\` (tests/bench/run.ts) on ${machine.date}, ${r.mode} run, ${Math.round(r.seconds)} s in all.
Every product figure is measured next to the bare limit of the same machine and shown as a ratio to it.
The local PostgreSQL and Redis must be up; the run starts everything else itself and cleans up after.

## Machine

| | |
|---|---|
| CPU | ${machine.cpu}, ${machine.cores} cores |
| Memory | ${machine.memory} |
| OS | ${machine.os} |
| Node.js | ${machine.node} |
| PostgreSQL | ${machine.postgres} |
| Redis | ${machine.redis} |
| Load average (1, 5, 15 min) at start / end | ${machine.loadAverage} / ${machine.loadAverageEnd ?? '?'} |
| Open-file limit | ${machine.fileLimit} per process |

## Results

The product: one node in server mode (\`dist/backend/src/main.js\`, the tsc build that \`npm start\` runs, NODE_ENV=production, ${r.workers} cluster workers sharing
the port, sharded Redis adapter, PostgreSQL), on a fresh database migrated by \`db/migrate.ts\` and seeded by
\`db/seed.ts\`. Clients, servers, PostgreSQL and Redis all share the same ${machine.cores} cores.

| Figure | Product | Bare baseline | Ratio | Target | Met |
|---|---|---|---|---|---|
${table}

The summary as printed:

\`\`\`
${summaryLines(r).join('\n')}
\`\`\`

Clients held by each worker at each step (read in /proc; the primary holds none): ${spread('product', r.product?.broadcast)}.
${spread('bare', r.bare?.broadcast)}.
${r.product?.problems?.length ? `Warnings and errors the product logged during the run (first ${r.product.problems.length}):\n\n\`\`\`\n${r.product.problems.join('\n')}\n\`\`\`\n` : 'The product logged no warnings or errors during the run.'}
Failed connect attempts (each retried up to twice, as a client would): product ${JSON.stringify(r.product?.broadcast?.connectErrors ?? {})}, bare ${JSON.stringify(r.bare?.broadcast.connectErrors ?? {})}.
${scaleDetails(r)}

${r.forecast ? `## Busy-hours forecast

Mean absolute error in people per area-hour over the open hours, each week forecast from the weeks
before it (\`npm run forecast:backtest\`; method in FORECAST.md). Lower is better; a ratio below 1 beats
the naive forecast (the same hour one week earlier).

${backtestTable(r.forecast).join('\n')}
` : ''}
## How each figure is measured

- **booking→screen**: N Socket.IO clients (a lightweight client speaking Engine.IO v4 / Socket.IO v5 over \`ws\`, in
  separate load processes, from several 127.0.0.x source addresses) join the demo tenant's namespace as members,
  spread over both workers by node's cluster (checked in /proc: which process holds each socket). A member
  then POSTs /api/book-room; the time runs from just before the POST to each client's receipt of
  \`booking:created\` (the monotonic clock is shared by all processes). p50/p99/max are over every client of every
  booking at that N. The baseline is a bare Socket.IO server in the same topology (the same number of
  cluster workers sharing the port, sharded Redis adapter) that broadcasts an event of the same size on a
  bare HTTP POST, to the same clients.
- **bookings, uncontended**: ${r.concurrency} keep-alive HTTP clients POST /api/book-room as fast as answers come;
  every request is for its own room and slot, by that room's own member, so nothing conflicts. Only 201s
  count. Baseline: the same INSERT into \`bookings\` through \`pg\` alone, one statement per booking, on a scratch
  database with the real schema (constraints, trigger and forced RLS all apply), as the app role with the tenant
  set, as many connections as the product's pools have (workers × DATABASE_POOL_MAX) and the same number of
  concurrent clients; and a bare Koa JSON endpoint (2 workers, node cluster) under the same HTTP load.
- **bookings, contended**: ${r.racers} members POST the same exclusive slot at once, round after round; every
  round must end with exactly one 201 and the rest 409 \`slot_unavailable\`. Baseline: the same race through \`pg\`
  alone (the exclusion constraint refuses the losers). After both runs an SQL check counts confirmed bookings
  that overlap more bookings of their room than it has places, and members with overlapping bookings.
${scaleMeasuredText(r)}
- **Redis**: PUBLISH of an event-sized message to a channel with two subscribers (the two workers), 64 in
  flight; and publish→receive latency one at a time.
${webhookHowMeasured(r)}
${analysis}
`;
}

export function writeReport(root: string, r: Results, machine: Machine): string {
  const file = path.join(root, 'BENCHMARKS.md');
  fs.writeFileSync(file, markdown(r, machine, path.join(root, 'tests/bench/analysis.md')));
  return file;
}
