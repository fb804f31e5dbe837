/**
 * Occupancy drift: 10,000 random check-ins and check-outs against a cluster of two workers, many of
 * them sent twice at once (with and without one Idempotency-Key), others replayed long after, in any
 * order, while Redis is killed and restarted and one worker is killed. A wall display listens all
 * along. At the end the occupancy it was last told for every area must equal the open visits in the
 * database. Figure: broadcast current_users minus open visits (must be 0 for every area).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres, withRedis } from '../support/services.js';
import { SEED, report, rng } from './support/figures.js';
import { scaled, startLongFixture, type LongFixture } from './support/long-fixture.js';
import { openArea, people, type Person } from './support/people.js';
import { pool, raw, type RawRequest } from './support/raw-http.js';
import { listen, until, type Listener } from './support/sockets.js';

const OPS = scaled(10_000, 200);

describe.runIf(withPostgres && withRedis)('occupancy under duplicated, reordered operations and faults', () => {
  let fx: LongFixture;

  beforeAll(async () => {
    fx = await startLongFixture();
  });
  afterAll(async () => fx?.stop());

  it(`keeps the broadcast occupancy equal to the open visits after ${OPS} operations`, async () => {
    const areas = await Promise.all([60, 60, 25].map((capacity) => openArea(fx.uow, fx.demo, { capacity })));
    const crowd: Person[] = await people(fx.uow, fx.jwt, fx.demo, 240);
    const startSeq = await fx.lastSeq(fx.demo);
    const display: Listener = await listen(fx.cluster.url, fx.demo, { token: fx.displayToken, since: startSeq, reconnection: true });
    const r = rng(SEED);
    const sent: RawRequest[] = [];
    let failed = 0;
    let duplicates = 0;
    let replays = 0;
    let answered = 0;
    const faults: string[] = [];
    /** The worker that answered last: the one to kill, so that requests are in flight on it. */
    let lastWorker = 0;
    const request = async (req: RawRequest) => {
      try {
        const a = await raw(fx.cluster.url, { ...req, timeoutMs: 30_000 });
        answered++;
        lastWorker = Number(a.headers['x-worker']) || lastWorker;
        if (a.status >= 500) failed++;
      } catch {
        failed++;
      }
    };
    const faultRuns: Array<Promise<unknown>> = [];
    await pool(24, OPS, async (i) => {
      if (i === Math.floor(OPS * 0.3)) {
        faults.push('redis killed');
        faultRuns.push(fx.redis.kill().then(() => new Promise((res) => setTimeout(res, 5000))).then(() => fx.redis.start()).then(() => faults.push('redis back')));
      }
      if (i === Math.floor(OPS * 0.6)) {
        faultRuns.push(fx.cluster.killWorker(fx.cluster.workers().includes(lastWorker) ? lastWorker : undefined).then((k) => faults.push(`worker ${k.killed} killed, replaced in ${k.replacedInMs} ms`)));
      }
      const roll = r();
      let req: RawRequest;
      if (roll < 0.05 && sent.length > 0) {
        // An old request comes back late (a retry from a flaky network), with its key if it had one.
        replays++;
        req = sent[Math.floor(r() * sent.length)]!;
      } else {
        const person = crowd[Math.floor(r() * crowd.length)]!;
        const headers: Record<string, string> = { authorization: `Bearer ${fx.ownerToken}` };
        if (r() < 0.3) headers['idempotency-key'] = `occ-${SEED}-${i}`;
        req = r() < 0.55
          ? { method: 'POST', path: '/api/visits', headers, json: { user_id: person.id, area_id: areas[Math.floor(r() * areas.length)]!.id, source: r() < 0.5 ? 'staff' : 'kiosk' } }
          : { method: 'POST', path: '/api/visits/check-out', headers: { authorization: headers.authorization! }, json: { user_id: person.id } };
        if (sent.length < 2000) sent.push(req);
      }
      if (r() < 0.15) {
        duplicates++;
        await Promise.all([request(req), request(req)]);
      } else await request(req);
    });
    await Promise.all(faultRuns);

    // The display must catch up with everything the log holds, across its reconnects.
    const finalSeq = await fx.lastSeq(fx.demo);
    await until(`the display to reach seq ${finalSeq}`, () => display.lastSeq() >= finalSeq, 60_000);
    const truth = await fx.uow.inTenant(fx.demo, async ({ trx }) => {
      const rows = await trx('gym_areas').whereIn('id', areas.map((a) => a.id)).select('id', 'current_users');
      const open = await trx('visits').whereIn('gym_area_id', areas.map((a) => a.id)).whereNull('checked_out_at').groupBy('gym_area_id').select('gym_area_id').count({ n: '*' });
      return rows.map((a) => ({ id: a.id as string, column: a.current_users as number, open: Number((open as Array<{ gym_area_id: string; n: string | number }>).find((o) => o.gym_area_id === a.id)?.n ?? 0) }));
    });
    let drift = 0;
    const perArea: string[] = [];
    for (const area of truth) {
      const last = display.events.filter((e) => e.type === 'occupancy' && e.event.area_id === area.id).sort((a, b) => a.event.seq - b.event.seq).at(-1);
      const broadcast = last?.event.current_users ?? 0;
      drift += Math.abs(broadcast - area.open) + Math.abs(area.column - area.open);
      perArea.push(`${broadcast}/${area.open}`);
    }
    const seqs = display.events.map((e) => e.event.seq as number);
    const seen = new Set(seqs);
    let missing = 0;
    for (let s = startSeq + 1; s <= finalSeq; s++) if (!seen.has(s)) missing++;
    const outOfOrder = seqs.filter((s, k) => k > 0 && s <= seqs[k - 1]!).length;
    display.close();
    report('occupancy drift', {
      seed: SEED, operations: OPS, requests_answered: answered, duplicated: duplicates, replayed: replays, failed_requests: failed,
      display_reconnects: display.reconnects, events: seqs.length, events_missing: missing, events_out_of_order: outOfOrder,
      broadcast_minus_open: drift, 'areas(broadcast/open)': perArea.join(','), faults: faults.join('; '),
    });
    expect(drift).toBe(0);
    expect(missing).toBe(0);
    expect(outOfOrder).toBe(0);
  });
});
