/**
 * Webhooks through the faults of a real deployment: a cluster of two worker processes on PostgreSQL and
 * a Redis of the test's own, posting to a real receiver that verifies every signature. The receiver is
 * down for a while, the worker posting is killed mid-delivery, Redis dies, the whole cluster restarts
 * (with events committed meanwhile by another machine): at the end the receiver has every matching
 * event of the log, in seq order, none missing, a repeat only ever as the same event again (same
 * webhook-id), and never two requests of one endpoint at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../../backend/src/config.js';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { privateRedis, sleep, startProductCluster, type PrivateRedis, type ProductCluster } from '../support/processes.js';
import { withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startReceiver, until, type Receiver } from '../support/webhook-receiver.js';

const ENV = { WEBHOOK_RETRY_SECONDS: '0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1', WEBHOOK_POLL_MS: '100', WEBHOOK_TIMEOUT_MS: '1500' };

describe.runIf(withPostgres && withRedis)('webhooks through faults', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let cluster: ProductCluster;
  let receiver: Receiver;
  let db: Database;
  let uow: UnitOfWork;
  let demo: string;
  let owner: string;
  let areaId: string;
  let slot = 0;

  const start = async () => {
    cluster = await startProductCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url, extra: ENV });
    owner = (await login(cluster.url, 'demo', 'owner', 'owner123')).access_token;
  };

  /** Books the next slot (retried with its Idempotency-Key when the worker it reached is killed). */
  const book = async () => {
    const i = slot++;
    const date = new Date(Date.now() + (2 + Math.floor(i / 12)) * 86400_000).toISOString().slice(0, 10);
    const time = `${String(8 + (i % 12)).padStart(2, '0')}:00`;
    const key = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${cluster.url}/api/book-room`, {
          method: 'POST', signal: AbortSignal.timeout(8000),
          headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ room_id: areaId, date, time }),
        });
        if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${await res.text()}`);
        return;
      } catch (err) {
        if (attempt >= 10 || /answered/.test((err as Error).message)) throw err;
        await sleep(200);
      }
    }
  };
  const bookMany = async (n: number) => {
    for (let i = 0; i < n; i++) await book();
  };

  beforeAll(async () => {
    [database, redis, receiver] = await Promise.all([createTestDatabase(), privateRedis(), startReceiver()]);
    await start();
    db = await openDatabase(loadDatabaseConfig({ DATABASE_URL: database.url }).database, { migrate: false });
    // Writes that stand for another machine of the deployment: committed, published by nobody here.
    uow = createUnitOfWork(db, LATER);
    demo = (await uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id;
    areaId = (await factories(db, uow).area(demo, { booking_capacity: 100, capacity: 100, slot_minutes: 60 })).id;
    await uow.inTenant(demo, ({ trx }) => trx('gym_areas').where({ id: areaId }).update({
      opening_hours: JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]))),
    }));
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.close();
    await redis?.kill();
    await receiver?.close();
    await database?.drop();
  }, 60_000);

  it('ends with every event in seq order, none missing, after a receiver outage, a killed worker, Redis down and a restart', async () => {
    const res = await fetch(`${cluster.url}/api/webhooks`, {
      method: 'POST', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/hook`, events: ['booking:*', 'occupancy'] }),
    });
    expect(res.status).toBe(201);
    receiver.secrets.set('/hook', [(await res.json()).data.secret]);

    await bookMany(4);
    await until('the first bookings', () => receiver.delivered().length >= 4, 30_000);

    // The receiver is down for a while: connections refused, retried.
    await receiver.down();
    await bookMany(4);
    await sleep(1500);
    await receiver.up();

    // A worker killed while it posts: the receiver holds each request a while, every worker is killed in turn.
    receiver.delayMs = 800;
    await bookMany(3);
    await until('a delivery in flight', () => receiver.received.length > 0 && Date.now() - Number(receiver.received.at(-1)!.timestamp) * 1000 < 500, 30_000);
    for (const pid of cluster.workers()) await cluster.killWorker(pid);
    receiver.delayMs = 0;

    // Redis dies: delivery does not depend on it.
    await redis.kill();
    await bookMany(3);
    await sleep(1000);
    await redis.start();

    // The whole cluster restarts; meanwhile another machine commits events nobody here published.
    await cluster.stop();
    for (let i = 0; i < 3; i++) {
      await uow.inTenant(demo, async (scope) => scope.record('occupancy', { area_id: areaId, current_users: i, capacity: 100 }));
    }
    await start();
    await bookMany(2);

    const expected = async () => {
      const rows = await uow.inTenant(demo, ({ trx }) => trx('events').whereNotNull('seq').whereIn('type', ['booking:created', 'booking:cancelled', 'occupancy'])
        .andWhere('seq', '>', receiver.received[0]!.seq! - 1).orderBy('seq').pluck('seq'));
      return rows.map(Number);
    };
    await until('every event at the receiver', async () => {
      const want = await expected();
      const got = new Set(receiver.delivered());
      return want.length >= 19 && want.every((s) => got.has(s));
    }, 90_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: want ${JSON.stringify(await expected())}, got ${JSON.stringify(receiver.delivered())}\n${cluster.output().slice(-3000)}`);
    });

    const want = await expected();
    const delivered = receiver.delivered();
    // In order: a repeat is only ever the event just delivered again (a post whose answer was lost).
    for (let i = 1; i < delivered.length; i++) expect(delivered[i]!).toBeGreaterThanOrEqual(delivered[i - 1]!);
    expect([...new Set(delivered)]).toEqual(want);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    for (const r of receiver.received) expect(r.id).toBe(`evt_${demo.replaceAll('-', '')}_${r.seq}`);
    expect(receiver.overlaps).toBe(0);
  }, 300_000);
});
