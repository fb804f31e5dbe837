/**
 * The report's rows and text for the scale suites: idle connections (how many, memory, connect rate)
 * and the class-release rush. Kept apart from report.ts so each suite's part of the report merges on
 * its own.
 */
import { int, kb, ms, ratio } from './lib/stats.js';
import type { Distribution } from './lib/stats.js';
import { TARGETS, type Results, type Row } from './report.js';

export const SCALE_TARGETS = { connections: 100_000, connectPerSecond: 3000 };

const range = (values: number[]) => (values.length ? `chunks ${int(Math.min(...values))}–${int(Math.max(...values))}/s` : '');
/** Milliseconds, or seconds once they pass ten of them (a rush is decided in tens of seconds). */
const dur = (v: number) => (Number.isFinite(v) && Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${ms(v)} ms`);
const three = (d: Distribution) => [d.p50, d.p99, d.max].every((v) => Math.abs(v) < 10_000) ? `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)} ms` : `${dur(d.p50)} / ${dur(d.p99)} / ${dur(d.max)}`;
const byKey = (o: Record<string, number>) => Object.entries(o).map(([k, n]) => `${int(n)}× ${k}`).join(', ');

export function idleRows(r: Results): Row[] {
  const pi = r.product?.idle;
  const bi = r.bare?.idle;
  if (!pi && !bi) return [];
  const bare = (text: string) => (bi ? `bare Socket.IO ${text}` : '–');
  const out: Row[] = [];
  out.push({
    figure: 'idle authenticated connections held',
    product: pi ? `${int(pi.held)} (stopped by ${pi.stoppedBy}; ${pi.dropped} dropped)` : '–',
    baseline: bi ? bare(`${int(bi.held)} (stopped by ${bi.stoppedBy})`) : '–',
    ratio: pi && bi ? ratio(pi.held, bi.held) : '–',
    target: int(SCALE_TARGETS.connections),
    met: pi ? pi.held >= SCALE_TARGETS.connections && pi.dropped === 0 : undefined,
  });
  out.push({
    figure: 'server memory per idle connection',
    product: pi ? kb(pi.bytesPerConnection) : '–',
    baseline: bi ? bare(kb(bi.bytesPerConnection)) : '–',
    ratio: pi && bi ? ratio(pi.bytesPerConnection, bi.bytesPerConnection) : '–',
    target: `≤ ${TARGETS.memoryRatio}× bare`,
    met: pi && bi ? pi.bytesPerConnection <= TARGETS.memoryRatio * bi.bytesPerConnection : undefined,
  });
  out.push({
    figure: 'connect rate while ramping (handshake with auth)',
    product: pi ? `${int(pi.connectPerSecond)}/s (${range(pi.chunkRates)}; CPU per connect: server ${ms(pi.serverCpuMsPerConnect)} ms, load clients ${ms(pi.clientCpuMsPerConnect)} ms)` : '–',
    baseline: bi ? bare(`${int(bi.connectPerSecond)}/s (${range(bi.chunkRates)}; server ${ms(bi.serverCpuMsPerConnect)} ms, clients ${ms(bi.clientCpuMsPerConnect)} ms)`) : '–',
    ratio: pi && bi ? ratio(pi.connectPerSecond, bi.connectPerSecond) : '–',
    target: `≥ ${int(SCALE_TARGETS.connectPerSecond)}/s`,
    met: pi ? pi.connectPerSecond >= SCALE_TARGETS.connectPerSecond : undefined,
  });
  return out;
}

export function rushRows(r: Results): Row[] {
  const rush = r.rush;
  if (!rush) return [];
  const p = rush.product;
  const pg = rush.pg;
  const bare = r.bare?.broadcast.steps.find((s) => Math.abs(s.clients - p.screens) / p.screens < 0.02);
  const unexpected = byKey({ ...p.unexpected, ...p.requestErrors });
  const w = p.waitlist;
  const waitlist: Row[] = w ? [{
    figure: `class rush: the ${int(w.joins)} refused join the waitlist (p50 / p99 / max)`,
    product: `${int(w.joined)}× 201, positions ${int(w.distinctPositions)} distinct up to ${int(w.maxPosition)}${byKey(w.other) ? `; other: ${byKey(w.other)}` : ''}; ${three(w.answerMs)}`,
    baseline: '',
    ratio: '',
    target: 'every one queued, in order',
    met: w.joined === w.joins && w.distinctPositions === w.joins && w.maxPosition === w.joins,
  }] : [];
  return [
    {
      figure: `class rush: ${int(p.members)} members, ${p.capacity} places (answers)`,
      product: `${int(p.created)}× 201, ${int(p.refused)}× 409 slot_unavailable${unexpected ? `; other: ${unexpected}` : ''} (sent over ${dur(p.sendSpreadMs)})`,
      baseline: `pg alone ${int(pg.created)} won, ${int(pg.refused)} refused`,
      ratio: '',
      target: `exactly ${p.capacity}× 201, the rest 409`,
      met: p.created === p.capacity && p.refused === p.members - p.capacity && !unexpected,
    },
    {
      figure: 'class rush: answer time (p50 / p99 / max)',
      product: `${three(p.answerMs)}; all decided ${dur(p.decidedInMs)} after the first press`,
      baseline: `pg alone ${three(pg.answerMs)}; decided in ${dur(pg.decidedInMs)}`,
      ratio: `p99 ${ratio(p.answerMs.p99, pg.answerMs.p99)}`,
      target: '',
    },
    {
      figure: `class full on ${int(p.screens)} screens, from the ${p.capacity}th 201 (p50 / p99 / max)`,
      product: `booking:created #${p.capacity} ${three(p.fullEvent)}; slots:changed after it ${three(p.fullGrid)}${p.screensMissing || p.screensMissingGrid ? `; ${int(p.screensMissing)} / ${int(p.screensMissingGrid)} screens missed them` : ''}`,
      baseline: bare ? `bare Socket.IO broadcast to ${int(bare.clients)} ${three(bare.latency)}` : '–',
      ratio: bare ? `p99 ${ratio(p.fullGrid.p99, bare.latency.p99)}` : '–',
      target: 'every screen',
      met: p.screensMissing === 0 && p.screensMissingGrid === 0 && p.screensOverCount === 0,
    },
    {
      figure: 'overbooking check after the rush',
      product: `${int(p.confirmedInSlot)} confirmed in the class slot (pg alone ${int(pg.confirmedInSlot)}); ${p.check.overbooked} overbooked, ${p.check.doubleBooked} double-booked in all`,
      baseline: '',
      ratio: '',
      target: `${p.capacity}, 0 and 0`,
      met: p.confirmedInSlot === p.capacity && p.check.overbooked === 0 && p.check.doubleBooked === 0,
    },
    ...waitlist,
  ];
}

/** Lines under the table: the limits and memory behind the idle figures, and the rush's loose ends. */
export function scaleDetails(r: Results): string {
  const lines: string[] = [];
  const f = r.fileLimit;
  if (f) {
    lines.push(f.error
      ? `Open-file limit: asked for ${int(f.wanted)} per process, stayed at ${int(f.got)} (${f.error}).`
      : `Open-file limit: ${int(f.got)} per process, set by the bench before it started anything (inherited by every process it spawned).`);
  }
  for (const [label, idle] of [['product', r.product?.idle], ['bare Socket.IO', r.bare?.idle]] as const) {
    if (!idle) continue;
    lines.push(`Idle ${label}: ${int(idle.held)} held of ${int(idle.attempted)} attempted; workers' open-file limits ${idle.workerFileLimits.map(int).join(', ')}, ` +
      `descriptors open ${idle.workerFds.map(int).join(' + ')}; load clients' limits ${[...new Set(idle.clientFileLimits)].map(int).join(', ')}, their RSS ` +
      `${(idle.clientRssBytes / 2 ** 20).toFixed(0)} MB in all; MemAvailable at the hold ${(idle.memAvailableBytes / 2 ** 30).toFixed(1)} GiB.` +
      (idle.probe ? ` Past the limit, ${int(idle.probe.failed)} of ${int(idle.probe.tried)} more connects (one attempt, 3 s handshake timeout) failed: ${byKey(idle.probe.errors) || 'none'}.` : ''));
  }
  if (r.rush) {
    const p = r.rush.product;
    lines.push(`Class rush: ${int(p.screens)} screens; ${p.screensOverCount} saw more than ${p.capacity} booking:created for the slot. ` +
      'Times from the last 201 can be negative: a screen may get the event before the booker gets its answer.');
  }
  return lines.length ? `\n${lines.join('\n')}\n` : '';
}

/** The "How each figure is measured" bullets of these suites. */
export function scaleMeasuredText(r: Results): string {
  const members = r.rush ? int(r.rush.product.members) : 'N';
  const capacity = r.rush?.product.capacity ?? 20;
  return `- **idle connections / memory / connect rate**: on deployments of their own, the product and the bare server each
  with as many cluster workers as the per-process open-file limit requires for the cap (${r.idleWorkers ?? 'N'} here; the latency and
  throughput figures are from the 2-worker ones), idle clients (each with a member's
  access token, so every handshake is authenticated) are added in chunks towards ${int(SCALE_TARGETS.connections)}; before each chunk the
  descriptors each server worker holds are read in /proc against its open-file limit and the chunk is cut to the room
  left, and the ramp also stops at the first chunk with failed connects. They are held through the hold period and
  counted. Memory per connection is the growth of the resident memory of the server's whole process tree (primary and
  workers) from no clients to all of them, divided by the clients held; kernel socket buffers are not in RSS. The
  connect rate is all the clients connected while ramping divided by the sum, over the chunks, of the time from the
  chunk's first connect attempt to its last handshake ack (the monotonic clock the load processes share), 1,024 connects
  in flight; the CPU time the server's processes and the load clients used meanwhile (read in /proc) is divided by the
  connections made, since both share the same cores. Against the bare server, a few hundred more connects are then tried past the limit to record what a
  client sees there.
- **class rush**: a class area with ${capacity} places in the demo gym; the screens (Socket.IO clients with the
  bookers' own tokens, several per member) watch the gym's namespace; ${members} distinct members, signed in
  beforehand, each on their own keep-alive connection opened beforehand, POST /api/book-room for the same class slot,
  spread evenly over 1 s. Each answer's time runs from its send. On every screen the load process notes the
  ${capacity}th \`booking:created\` of that area (a member's screen counts them) and the first \`slots:changed\` of it
  after that (the one that makes the slot grid refetch and show the class full), timed from the moment the last
  201 reached its booker. Baselines: the same race through \`pg\` alone (scratch database with the real schema, the
  product pools' number of connections, the same send schedule: BEGIN, the slot's advisory lock, INSERT of the lowest
  free place, COMMIT), and the bare Socket.IO broadcast to the same number of clients (the booking→screen baseline).
  Afterwards the class slot's confirmed bookings are counted and the SQL overbooking check runs. Then the screens
  are closed and every refused member POSTs /api/waitlist for the slot on the same schedule (closed first because each
  join sends \`waitlist:changed\` to every screen: this times the joins themselves); each must get 201 and its own
  position, 1 to the number refused.`;
}
