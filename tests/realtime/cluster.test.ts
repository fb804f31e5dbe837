/**
 * The product as it runs in server mode: real processes (a primary and two workers sharing the port),
 * PostgreSQL, a Redis of the test's own, and real Socket.IO clients. Events cross workers, a long-polling
 * session works whichever worker its requests reach, events survive a killed worker, a Redis outage and
 * a restart of the whole cluster, and no seq goes missing.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../../backend/src/config.js';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { freePort, privateRedis, startCluster, type Cluster, type PrivateRedis } from './cluster-support.js';
import { connect, range, until, type Client } from './helpers.js';

describe.runIf(withPostgres && withRedis)('a cluster of two workers', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let cluster: Cluster;
  let port: number;
  let db: Database;
  let uow: UnitOfWork;
  let demo: string;
  let olympia: string;
  let owner: string;
  let member: string;
  let areaId: string;
  let slotIndex = 0;
  const clients: Client[] = [];

  /** The log's seqs once every committed event has one (the servers number them after commit). */
  const logSeqs = async (tenantId: string) => {
    await until('every event to be numbered', async () =>
      (await uow.inTenant(tenantId, ({ trx }) => trx('events').whereNull('seq').first('id'))) === undefined, 15_000);
    return (await uow.inTenant(tenantId, ({ trx }) => trx('events').orderBy('seq').pluck('seq'))).map(Number);
  };

  /**
   * Books the next free slot as the owner. A request handed to a worker that is being killed is lost
   * with it: the client gives up after a few seconds and retries with the same Idempotency-Key.
   */
  const book = async (): Promise<{ worker: string; bookingId: string }> => {
    const i = slotIndex++;
    const date = new Date(Date.now() + (2 + Math.floor(i / 12)) * 86400_000).toISOString().slice(0, 10);
    const time = `${String(8 + (i % 12)).padStart(2, '0')}:00`;
    const key = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${cluster.url}/api/book-room`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ room_id: areaId, date, time }),
          signal: AbortSignal.timeout(8000),
        });
        const body = await res.json();
        if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${JSON.stringify(body)}`);
        return { worker: res.headers.get('x-worker')!, bookingId: body.data.booking.id };
      } catch (err) {
        if (attempt >= 10 || /answered/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  /** Connects clients until there is one on each of two workers. */
  const clientsOnTwoWorkers = async (tenantId: string, token: string): Promise<[Client, Client]> => {
    const byWorker = new Map<string, Client>();
    // Least-connection balancing: new clients go to the emptier worker until both hold some.
    for (let i = 0; i < 40 && byWorker.size < 2; i++) {
      const c = await connect(cluster.url, tenantId, { token }, { reconnection: true });
      clients.push(c);
      expect(c.worker).toMatch(/^\d+$/);
      if (!byWorker.has(c.worker!)) byWorker.set(c.worker!, c);
    }
    expect(byWorker.size).toBe(2);
    return [...byWorker.values()] as [Client, Client];
  };

  /** Every event of the log from the client's first one on, each once, in order. */
  const expectComplete = async (c: Client, tenantId: string) => {
    const log = await logSeqs(tenantId);
    await until(`client to reach seq ${log.at(-1)}`, () => c.received.at(-1)?.event.seq === log.at(-1), 15_000).catch((err: Error) => {
      throw new Error(`${err.message}; it has ${JSON.stringify(c.seqs())}, connected: ${c.socket.connected}\n${cluster.output().slice(-3000)}`);
    });
    const first = c.seqs()[0]!;
    expect(c.seqs()).toEqual(range(first - 1, log.at(-1)!));
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await privateRedis();
    port = await freePort();
    cluster = await startCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: port });
    db = await openDatabase(loadDatabaseConfig({ DATABASE_URL: database.url }).database, { migrate: false });
    // Writes that stand for another machine of the deployment: committed, published by nobody here.
    uow = createUnitOfWork(db, LATER);
    const tenants = await uow.inPlatform((trx) => trx('tenants').select('id', 'subdomain'));
    demo = tenants.find((t) => t.subdomain === 'demo')!.id;
    olympia = tenants.find((t) => t.subdomain === 'olympia')!.id;
    owner = (await login(cluster.url, 'demo', 'owner', 'owner123')).access_token;
    member = (await login(cluster.url, 'demo', 'member', 'member123')).access_token;
    areaId = (await factories(db, uow).area(demo, { booking_capacity: 100, capacity: 100, slot_minutes: 60 })).id;
  }, 90_000);

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await db?.close();
    await redis?.kill();
    await database?.drop();
  }, 60_000);

  it('carries a booking made on worker 1 to a client on worker 2 with the right seq', async () => {
    const [a, b] = await clientsOnTwoWorkers(demo, member);
    const other = await connect(cluster.url, olympia, { token: (await login(cluster.url, 'olympia', 'member', 'member123')).access_token });
    clients.push(other);
    await expect(connect(cluster.url, olympia, { token: member })).rejects.toThrow('forbidden');

    const { worker, bookingId } = await book();
    const remote = worker === a.worker ? b : a;
    expect(remote.worker).not.toBe(worker);
    // Numbered just after the commit, maybe after the answer.
    let seqOfBooking: { seq: number | null } | undefined;
    await until('the booking\'s event to be numbered', async () => {
      seqOfBooking = await uow.inTenant(demo, ({ trx }) =>
        trx('events').where({ type: 'booking:created' }).whereRaw("payload->'booking'->>'id' = ?", [bookingId]).first('seq'),
      );
      return seqOfBooking?.seq != null;
    });
    await until('the booking on the other worker', () => remote.received.some((r) => r.type === 'booking:created'));
    const got = remote.received.find((r) => r.type === 'booking:created')!;
    expect(got.event.seq).toBe(Number(seqOfBooking!.seq));
    expect(got.event.booking).toMatchObject({ id: bookingId, area_id: areaId });
    expect(got.event.booking.user_id).toBeUndefined();
    await expectComplete(a, demo);
    await expectComplete(b, demo);
    expect(other.received).toEqual([]);
  }, 90_000);

  it('keeps a long-polling session whichever worker its requests reach', async () => {
    // Every request on a connection of its own: the cluster hands them to the workers in turn.
    const poll = (method: 'GET' | 'POST', query: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${cluster.url}/socket.io/?EIO=4&transport=polling${query}`, { method, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const open = await poll('GET', '');
    expect(open.status).toBe(200);
    const sid = (JSON.parse(open.text.slice(1)) as { sid: string }).sid;
    expect(sid).toMatch(/^\d+-/);
    const nsp = `/tenant/${demo}`;
    expect(await poll('POST', `&sid=${sid}`, `40${nsp},${JSON.stringify({ token: member })}`)).toEqual({ status: 200, text: 'ok' });
    let seen = '';
    const answers: number[] = [];
    const pollUntil = async (what: string, found: () => boolean) => {
      for (let i = 0; i < 40 && !found(); i++) {
        const got = await poll('GET', `&sid=${sid}`);
        answers.push(got.status);
        seen += got.text;
      }
      expect(found(), `${what}; got: ${seen.slice(-300)}`).toBe(true);
    };
    await pollUntil('the namespace connect', () => seen.includes(`40${nsp},{"sid"`));
    const { bookingId } = await book();
    await pollUntil('the booking', () => seen.includes(bookingId));
    expect(seen).toContain(`42${nsp},["booking:created"`);
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(answers.every((s) => s === 200)).toBe(true);
  });

  it('loses no event when a worker is killed: its clients reconnect elsewhere and resume', async () => {
    const [a, b] = await clientsOnTwoWorkers(demo, owner);
    await book();
    await expectComplete(a, demo);
    process.kill(Number(a.worker), 'SIGKILL');
    for (let i = 0; i < 5; i++) await book();
    // Committed by another machine while the worker was down: only the sweeper emits these.
    await uow.inTenant(demo, async (s) => s.record('slots:changed', { area_id: areaId, date: '2030-01-01' }));
    await book();
    await expectComplete(a, demo);
    await expectComplete(b, demo);
    const seen = new Set<string>();
    await until('the primary to replace the killed worker', async () => {
      const c = await connect(cluster.url, demo, { token: owner });
      clients.push(c);
      seen.add(c.worker!);
      return seen.size === 2;
    }, 30_000);
    expect(seen.has(a.worker!)).toBe(false);
  }, 90_000);

  it('keeps the API and same-worker clients going while Redis is down, and converges by replay when it is back', async () => {
    const [a, b] = await clientsOnTwoWorkers(demo, owner);
    await redis.kill();
    let during: { worker: string; bookingId: string };
    try {
      during = await book();
      const local = during.worker === a.worker ? a : b;
      await until('the same-worker client to get the booking', () => local.received.some((r) => r.event.booking?.id === during.bookingId));
      await book();
    } finally {
      await redis.start();
    }
    const local = during.worker === a.worker ? a : b;
    const remote = local === a ? b : a;
    await book();
    await expectComplete(local, demo);
    await expectComplete(remote, demo);
    expect(remote.received.some((r) => r.event.booking?.id === during.bookingId)).toBe(true);
  }, 90_000);

  it('loses no event across a restart of the whole cluster', async () => {
    const [a, b] = await clientsOnTwoWorkers(demo, owner);
    await book();
    await expectComplete(a, demo);
    await cluster.stop();
    await uow.inTenant(demo, async (s) => s.record('slots:changed', { area_id: areaId, date: '2030-01-02' }));
    cluster = await startCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: port });
    await book();
    await expectComplete(a, demo);
    await expectComplete(b, demo);
  }, 90_000);
});
