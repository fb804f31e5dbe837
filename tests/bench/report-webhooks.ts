/** The webhook rows of BENCHMARKS.md and how they are measured (kept apart from report.ts's other rows). */
import { int, ms, pct, ratio } from './lib/stats.js';
import type { Results, Row } from './report.js';

/** Webhook delivery next to a bare POST loop, and what webhooks (and the forecast pass) cost the booking path. */
export function webhookRows(r: Results): Row[] {
  const out: Row[] = [];
  const w = r.webhooks;
  if (w) {
    out.push({
      figure: 'event→webhook receipt, 1 endpoint (p50 / p99)', product: `${ms(w.latency.p50)} / ${ms(w.latency.p99)} ms`,
      baseline: `bare POST ${ms(w.bareLatency.p50)} / ${ms(w.bareLatency.p99)} ms`, ratio: `p50 ${ratio(w.latency.p50, w.bareLatency.p50)}, p99 ${ratio(w.latency.p99, w.bareLatency.p99)}`, target: '',
    });
    for (const [label, value] of [['1 endpoint', w.perSecond.one], ['100 endpoints', w.perSecond.hundred]] as const) {
      out.push({
        figure: `webhook deliveries/s, ${label}`, product: int(value), baseline: `bare POST loop (${w.lanes} in flight) ${int(w.barePerSecond)}`,
        ratio: ratio(value, w.barePerSecond), target: '',
      });
    }
  }
  const b = r.webhookBooking;
  if (b) {
    const without = (b.bookingsPerSecond.without[0] + b.bookingsPerSecond.without[1]) / 2;
    out.push({
      figure: `bookings/s with ${b.endpoints} webhook endpoints (${r.concurrency} clients)`,
      product: `${int(b.bookingsPerSecond.with)}/s; ${int(b.deliveredDuringLoad)} deliveries meanwhile`,
      baseline: `no endpoints ${int(b.bookingsPerSecond.without[0])}/s before, ${int(b.bookingsPerSecond.without[1])}/s after`,
      ratio: ratio(b.bookingsPerSecond.with, without), target: '≈ 1.0 (no slowdown)', met: b.bookingsPerSecond.with >= 0.9 * without,
    });
    const d = b.drain;
    out.push({
      figure: 'CPU per webhook delivery (node / PostgreSQL)',
      product: `${ms(d.nodeMsPerDelivery)} / ${ms(d.pgMsPerDelivery)} ms (${int(d.perSecond)} deliveries/s draining)`,
      baseline: `a booking ${ms(b.nodeMsPerBooking)} ms node; a bare POST ${w ? ms(w.bareCpuMsPerPost) : '–'} ms (client + receiver)`,
      ratio: `node ${ratio(d.nodeMsPerDelivery, b.nodeMsPerBooking)} a booking${w ? `, ${ratio(d.nodeMsPerDelivery, w.bareCpuMsPerPost)} a bare POST` : ''}`, target: '',
    });
    const f = b.forecast;
    out.push({
      figure: `forecast pass (measureAreaHours), ${f.gyms} gyms, ${int(f.visits)} visits`,
      product: `every minute p50 ${ms(f.steady.p50)} ms, max ${ms(f.steady.max)} ms; first pass ${ms(f.first.ms)} ms (${int(f.first.hours)} hours)`,
      baseline: 'its minute (60,000 ms)', ratio: pct(f.steady.p50, 60_000), target: '',
    });
  }
  return out;
}

/** How the webhook rows are measured (a part of "How each figure is measured"). */
export function webhookHowMeasured(r: Results): string {
  if (!r.webhooks && !r.webhookBooking) return '';
  return `- **webhooks**: one server in the bench process on its own database (\`tests/bench/suites/webhooks.ts\`); events are
  recorded through its unit of work, so they take the real path (commit, numbering, wake-up, claim, sign, post,
  record). Receipt: from just before the commit to the loopback receiver's arrival, one event at a time to one
  endpoint. Deliveries/s: events recorded 50 per commit, until all have arrived, to 1 endpoint (one after another, in
  seq order by design) and to 100 (${r.webhooks?.lanes ?? 8} lanes). Baseline: bare keep-alive POSTs of an event-sized body
  to the same receiver, one at a time and then with as many in flight as the dispatcher has lanes; its CPU is this
  process's (client and receiver) per POST.
- **webhooks on the booking path** (\`tests/bench/suites/webhooks-booking.ts\`): the product as above (cluster mode,
  its own database) under the uncontended booking load (${r.concurrency} clients), with no endpoints, then with
  100 enabled endpoints of the gym subscribed to \`booking:*\` (a loopback receiver in the bench process answering
  200), then with none again; the ratio is to the mean of the two runs without. CPU per delivery: after that load the
  dispatchers drain their backlog with nothing else running; the CPU time of the product's node processes and of
  its PostgreSQL backends over that window (utime + stime in /proc/<pid>/stat) divided by the deliveries received.
  A booking's: the node processes' CPU over the first run without endpoints per booking.
- **forecast pass**: \`measureAreaHours\` as the minutely job runs it (advisory lock, every gym in its scope), in the
  bench process against the same database after that load (the demo gyms' weeks of visits): the first pass from an
  empty \`area_hours\` (at most 14 days per gym), then five passes as every minute after it.
`;
}
