/**
 * Faults of the production topology, seen from its clients: nginx from the shipped template in front of
 * two app nodes (each a primary and two workers), a private PostgreSQL and Redis. While members keep
 * booking through nginx (each booking with an Idempotency-Key, retried as the web app retries) and
 * displays keep listening through nginx, the topology goes through a PostgreSQL restart, a 20 s Redis
 * outage, a SIGTERM of one node and a kill -9 of the other. Per fault: requests failed by status (no
 * 502 from nginx), acknowledged bookings lost (0), events missing after resume (0), and the longest
 * gap between two events that a listener saw.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../scripts/cluster.js';
import { widenBookingRulesAt } from '../support/booking-rules.js';
import { loadConfig } from '../../backend/src/config.js';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { newOpaqueToken } from '../../backend/src/modules/auth/tokens.js';
import { ensureBuilt } from '../browser/support.js';
import { createDatabaseOn, freePort, privatePostgres, privateRedis, sleep, type PrivatePostgres, type PrivateRedis } from '../support/processes.js';
import { TEST_SECRETS } from '../support/secrets.js';
import { withPostgres, withRedis } from '../support/services.js';
import { report } from './support/figures.js';
import { scaled } from './support/long-fixture.js';
import { athensDay, openArea, people } from './support/people.js';
import { raw } from './support/raw-http.js';
import { listen, until, type Listener } from './support/sockets.js';
import { hasNginx } from './support/topology.js';

const REDIS_OUTAGE_MS = scaled(20_000, 3_000);
const BOOKERS = 6;

interface Attempt {
  phase: string;
  started: number;
  ended: number;
  /** The HTTP status, or 0 when no answer came. */
  status: number;
}

describe.runIf(withPostgres && withRedis && hasNginx())('faults of the topology through nginx', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let cluster: Cluster;
  let db: Database;
  let uow: UnitOfWork;
  const output: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    pg = await privatePostgres();
    redis = await privateRedis();
    const url = await createDatabaseOn(pg.url, 'gymflow_edge_faults');
    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    cluster = await startCluster({
      databaseUrl: url, redisUrl: redis.url, nginxPort, appPorts: [portA, portB], workers: 2, seed: true,
      env: {
        ...TEST_SECRETS, BCRYPT_COST: '4', LOG_LEVEL: 'warn', DRAIN_SECONDS: '4',
        SOCKETS_PER_PERSON: '10000', REPLAY_EVENTS_PER_MINUTE: '10000000',
      },
      log: (line) => output.push(line),
    });
    // The crowd books far more than a member may by the gym's default rules (8 active bookings).
    await widenBookingRulesAt(url);
    db = await openDatabase(loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, ...TEST_SECRETS }).database, { migrate: false });
    uow = createUnitOfWork(db, LATER);
  }, 420_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.close().catch(() => undefined);
    await redis?.kill();
    await pg?.stop();
  }, 120_000);

  it('fails no request with a 502, loses no booking and no event through four faults', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused', ...TEST_SECRETS });
    // Gyms are visible in the platform scope only.
    const demo = (await uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id as string;
    const area = await openArea(uow, demo, { booking_capacity: 10_000, capacity: 10_000 });
    const crowd = await people(uow, config.jwt, demo, BOOKERS);
    const display = newOpaqueToken('dt1', demo);
    await uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Edge wall', token_hash: display.hash }));
    const lastSeq = () => uow.inTenant(demo, async ({ trx }) => Number((await trx('events').max({ m: 'seq' }))[0]?.m ?? 0));
    const startSeq = await lastSeq();
    const listeners: Listener[] = await Promise.all(
      [1, 2, 3, 4].map(() => listen(cluster.url, demo, { token: display.token, since: startSeq, reconnection: true })),
    );

    const acked = new Map<string, string>(); // booking id -> phase
    const attempts: Attempt[] = [];
    let phase = 'warm-up';
    let running = true;
    const booker = async (k: number) => {
      const person = crowd[k]!;
      for (let j = 0; running; j++) {
        const key = `edge-${k}-${j}-${randomUUID()}`;
        const body = { room_id: area.id, date: athensDay(10 + Math.floor(j / 20)), time: `${String(2 + (j % 20)).padStart(2, '0')}:00` };
        for (let attempt = 0; attempt < 120; attempt++) {
          const a: Attempt = { phase, started: Date.now(), ended: 0, status: 0 };
          attempts.push(a);
          try {
            const res = await raw(cluster.url, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${person.token}`, 'idempotency-key': key }, json: body, timeoutMs: 15_000 });
            a.status = res.status;
            if (res.status === 201) acked.set(res.json.data.booking.id, a.phase);
          } catch {
            a.status = 0;
          }
          a.ended = Date.now();
          if (a.status === 201) break;
          await sleep(Math.min(1000, 100 * (attempt + 1)));
        }
        await sleep(50);
      }
    };
    const load = Promise.all(crowd.map((_, k) => booker(k)));
    const windows: Array<{ name: string; from: number; to: number; detail: string }> = [];
    /** Runs a fault, then waits for a booking that started after it to be acknowledged. */
    const fault = async (name: string, act: () => Promise<string>) => {
      phase = name;
      const from = Date.now();
      const detail = await act();
      const back = Date.now();
      await until(`a booking after ${name}`, () => attempts.some((a) => a.status === 201 && a.started >= back), 180_000);
      await sleep(2000);
      windows.push({ name, from, to: Date.now(), detail });
      phase = `after ${name}`;
      await sleep(1000);
    };

    await sleep(3000);
    await fault('postgres restart', async () => {
      const t = Date.now();
      await pg.restart();
      return `down_s=${((Date.now() - t) / 1000).toFixed(1)}`;
    });
    await fault('redis outage', async () => {
      await redis.kill();
      await sleep(REDIS_OUTAGE_MS);
      await redis.start();
      return `outage_s=${REDIS_OUTAGE_MS / 1000}`;
    });
    await fault('sigterm node 1', async () => {
      const t = Date.now();
      await cluster.nodes[0]!.stop('SIGTERM');
      const drained = Date.now() - t;
      await cluster.nodes[0]!.restart();
      return `drain_ms=${drained}`;
    });
    await fault('kill -9 node 2', async () => {
      await cluster.nodes[1]!.stop('SIGKILL');
      await sleep(1000);
      await cluster.nodes[1]!.restart();
      return 'down_s=1';
    });
    running = false;
    await load;

    // Every acknowledged booking is there, confirmed; every listener has every event once, in order.
    const rows = await uow.inTenant(demo, ({ trx }) => trx('bookings').where({ gym_area_id: area.id }).select('id', 'status'));
    const confirmed = new Set(rows.filter((r) => r.status === 'confirmed').map((r) => r.id as string));
    const finalSeq = await lastSeq();
    const missingBy = listeners.map(() => 0);
    let outOfOrder = 0;
    for (const [n, l] of listeners.entries()) {
      await until(`a listener to reach seq ${finalSeq}`, () => l.lastSeq() >= finalSeq, 90_000).catch(() => undefined);
      const seqs = l.events.filter((e) => typeof e.event?.seq === 'number').map((e) => e.event.seq as number);
      const seen = new Set(seqs);
      for (let s = startSeq + 1; s <= finalSeq; s++) if (!seen.has(s)) missingBy[n]!++;
      outOfOrder += seqs.filter((s, k) => k > 0 && s <= seqs[k - 1]!).length;
      l.close();
    }

    const table = windows.map((w) => {
      const mine = attempts.filter((a) => a.phase === w.name);
      const byStatus: Record<string, number> = {};
      for (const a of mine.filter((x) => x.status !== 201)) byStatus[a.status || 'no answer'] = (byStatus[a.status || 'no answer'] ?? 0) + 1;
      // The longest silence a listener lived through during the fault: events keep coming from the load.
      // Where it began, counted from the fault's start: before the fault, during it, or in the recovery.
      let gap = 0;
      let gapFrom = 0;
      for (const l of listeners) {
        const at = l.events.map((e) => e.at).filter((t) => t >= w.from - 5000 && t <= w.to);
        for (let k = 1; k < at.length; k++) if (at[k]! - at[k - 1]! > gap) [gap, gapFrom] = [at[k]! - at[k - 1]!, at[k - 1]! - w.from];
      }
      const lost = [...acked].filter(([id, p]) => (p === w.name || p === `after ${w.name}`) && !confirmed.has(id)).length;
      // The slowest answer: a gap with no answer in it is a gap in bookings, not in delivery.
      const slowest = Math.max(0, ...mine.map((a) => a.ended - a.started));
      return { fault: w.name, detail: w.detail, requests: mine.length, failed: byStatus, lost, gap, gapFrom, span: w.to - w.from, slowest };
    });
    for (const row of table) {
      report(`edge fault: ${row.fault}`, {
        detail: row.detail, requests: row.requests, failed: Object.entries(row.failed).map(([s, n]) => `${s}×${n}`).join(',') || 'none',
        nginx_502: row.failed['502'] ?? 0, acknowledged_lost: row.lost, longest_gap_ms: row.gap, gap_began_ms: row.gapFrom, fault_span_ms: row.span, slowest_answer_ms: row.slowest,
      });
    }
    const lost = [...acked.keys()].filter((id) => !confirmed.has(id));
    const unhandled = output.filter((l) => l.includes('unhandled error'));
    report('edge faults', {
      requests: attempts.length, acknowledged: acked.size, acknowledged_lost: lost.length, events: finalSeq - startSeq,
      events_missing: missingBy.reduce((a, b) => a + b, 0), events_out_of_order: outOfOrder, unhandled_errors: unhandled.length,
      listener_reconnects: listeners.map((l) => l.reconnects).join('/'),
    });
    for (const u of new Set(unhandled.map((l) => l.slice(0, 200)))) console.log(`  unhandled: ${u}`);

    expect(lost).toEqual([]);
    expect(missingBy).toEqual(listeners.map(() => 0));
    expect(outOfOrder).toBe(0);
    expect(table.map((r) => [r.fault, r.failed['502'] ?? 0])).toEqual(table.map((r) => [r.fault, 0]));
    // A Bearer request needs no Redis: the outage fails none of them.
    expect(table.find((r) => r.fault === 'redis outage')!.failed).toEqual({});
    // A draining node finishes what it started: SIGTERM cuts no request.
    expect(table.find((r) => r.fault === 'sigterm node 1')!.failed).toEqual({});
    // PostgreSQL's restart is answered by the app (503, retried), never left unanswered.
    expect(Object.keys(table.find((r) => r.fault === 'postgres restart')!.failed).filter((s) => s !== '503')).toEqual([]);
  });
});
