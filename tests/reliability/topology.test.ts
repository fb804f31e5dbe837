/**
 * The production topology with real processes on loopback: Debian's nginx in front of two app nodes,
 * each a cluster primary with two workers, one PostgreSQL, one Redis (scripts/cluster.ts, the same nginx
 * template as docker-compose). nginx sends new requests round-robin and a Socket.IO session to the node
 * named in its id; clients here use their own loopback source addresses (nginx trusts none of them).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startCluster, type Cluster } from '../../scripts/cluster.js';
import { ensureBuilt } from '../browser/support.js';
import { REDIS_URL, withPostgres, withRedis } from '../support/services.js';
import { call, connectVia, freePort, hasNginx } from './support/topology.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { widenBookingRulesAt } from '../support/booking-rules.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(withPostgres && withRedis && hasNginx())('the production topology on loopback', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let owner: pg.Client;
  let tenantId: string;
  const fromA = '127.0.0.2';
  const fromB = '127.0.0.3';
  let ports: number[] = [];

  /** The node port that served the request with this Idempotency-Key, from nginx's access log. */
  async function nodeServing(key: string): Promise<number> {
    await sleep(50);
    const line = fs.readFileSync(cluster.accessLog, 'utf8').trim().split('\n').reverse().find((l) => l.endsWith(` ${key}`));
    return Number(line?.split(' ')[2]?.split(':').at(-1));
  }

  async function loginVia(from: string, username: string, password: string) {
    const res = await call(cluster.url, 'POST', '/api/auth/login', { from, body: { tenant: 'demo', username, password } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { access_token: string; user: { id: string; tenant_id: string } };
  }

  /** The tenant's seqs once every committed event has one (the nodes number them after commit). */
  async function tenantSeqs(): Promise<number[]> {
    for (let waited = 0; waited < 15_000; waited += 50) {
      const { rows } = await owner.query('select seq from events where tenant_id = $1 order by seq', [tenantId]);
      if (rows.every((r) => r.seq !== null)) return rows.map((r) => Number(r.seq));
      await sleep(50);
    }
    throw new Error('events stayed unnumbered for 15 s');
  }

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    cluster = await startCluster({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      nginxPort,
      appPorts: [portA, portB],
      workers: 2,
      seed: true,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    // The test reads the log as the database owner (bypassing row-level security) to know every seq.
    owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    await widenBookingRulesAt(db.url);
    tenantId = (await owner.query("select id from tenants where subdomain = 'demo'")).rows[0].id;
    ports = [portA, portB];
  }, 420_000);

  afterAll(async () => {
    await owner?.end();
    await cluster?.stop();
    await db?.drop();
  }, 60_000);

  it('serves the single-page app, its assets and the API through nginx', async () => {
    const from = fromA;
    const home = await call(cluster.url, 'GET', '/', { from });
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toMatch(/text\/html/);
    expect(home.headers['x-frame-options']).toBe('DENY');
    const deep = await call(cluster.url, 'GET', '/admin/areas', { from });
    expect(deep.body).toBe(home.body);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(String(home.body))?.[1];
    expect(asset).toBeTruthy();
    const js = await call(cluster.url, 'GET', asset!, { from });
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toMatch(/immutable/);

    const { access_token } = await loginVia(from, 'member', 'member123');
    const status = await call(cluster.url, 'GET', '/api/gym-status', { from, token: access_token });
    expect(status.status).toBe(200);
    expect(status.body.data.areas.length).toBeGreaterThanOrEqual(4);
  });

  it('delivers a booking made through the other node to a client connected through nginx', async () => {
    const watcher = await loginVia(fromA, 'member', 'member123');
    const booker = await loginVia(fromB, 'owner', 'owner123');
    const socket = await connectVia(cluster.url, tenantId, watcher.access_token, fromA, false, ['polling', 'websocket']);
    try {
      // The session id names the node that holds the socket (NODE_ID app1 / app2).
      const socketNode = ports[Number(/^app(\d+)\./.exec(socket.io.engine.id)?.[1]) - 1];
      expect(ports).toContain(socketNode);
      // Every event is kept from the start: the one we want may arrive while the loop is still reading the log.
      const events: any[] = [];
      socket.on('booking:created', (e: any) => events.push(e));
      // Round-robin: within a few bookings one goes through the other node; the first of those counts.
      let booking: { id: string } | undefined;
      for (let day = 40; !booking && day < 46; day++) {
        const made = await bookDay(fromB, booker.access_token, watcher.user.id, day);
        if ((await nodeServing(`topology-${watcher.user.id}-${day}-10`)) !== socketNode) booking = made;
        // A booking is two requests (the area list, then the POST): one more shifts the round-robin.
        else await call(cluster.url, 'GET', '/healthz', { from: fromB });
      }
      expect(booking, 'a booking through the other node').toBeTruthy();
      const bookingId = booking!.id;
      await expect.poll(() => events.some((e) => e.booking.id === bookingId), { timeout: 10_000 }).toBe(true);
      const event = events.find((e) => e.booking.id === bookingId);
      expect(event.booking.id).toBe(bookingId);
      const seqs = await tenantSeqs();
      const created = (await owner.query("select seq from events where tenant_id = $1 and type = 'booking:created' and payload->'booking'->>'id' = $2", [tenantId, bookingId])).rows[0];
      expect(event.seq).toBe(Number(created.seq));
      expect(seqs).toContain(event.seq);
    } finally {
      socket.disconnect();
    }
  });

  it('keeps a long-polling session on its node while the other node leaves and rejoins', async () => {
    const member = await loginVia(fromA, 'member', 'member123');
    const socket = await connectVia(cluster.url, tenantId, member.access_token, fromA, false, ['polling']);
    let disconnects = 0;
    socket.on('disconnect', () => disconnects++);
    try {
      const sid = socket.io.engine.id;
      const home = Number(/^app(\d+)\./.exec(sid)?.[1]) - 1;
      const other = cluster.nodes[1 - home]!;
      await other.stop('SIGTERM');
      await sleep(1000);
      await other.restart();
      // Events still arrive on the same session after the set of live nodes changed twice.
      const booker = await loginVia(fromB, 'owner', 'owner123');
      const got = new Promise<any>((resolve) => socket.on('booking:created', resolve));
      const booking = await bookDay(fromB, booker.access_token, member.user.id, 47);
      expect((await got).booking.id).toBe(booking.id);
      expect(socket.io.engine.id).toBe(sid);
      expect(disconnects).toBe(0);
    } finally {
      socket.disconnect();
    }
  }, 120_000);

  it('counts the address nginx saw, never a forged X-Forwarded-For, straight to a node or through nginx', async () => {
    const node = `http://127.0.0.1:${ports[0]}`;
    /** Failed logins from one source address, each with another forged X-Forwarded-For, until the address is throttled. */
    const failUntilThrottled = async (base: string, from: string) => {
      for (let i = 0; i < 500; i++) {
        const res = await call(base, 'POST', '/api/auth/login', {
          from, headers: { 'x-forwarded-for': `198.51.100.${i % 250}`, 'x-real-ip': `198.51.100.${i % 250}` },
          body: { tenant: 'demo', username: `nobody-${from}-${i}`, password: 'wrong-password' },
        });
        if (res.status === 429) return i;
        expect(res.status).toBe(401);
      }
      throw new Error(`${from} was never throttled`);
    };
    const stillCounted = async (base: string, from: string) =>
      (await call(base, 'POST', '/api/auth/login', { from, body: { tenant: 'demo', username: `fresh-${from}`, password: 'wrong-password' } })).status;

    // Straight to a node: the peer address counts, whatever the client claims.
    const direct = await failUntilThrottled(node, '127.0.0.20');
    expect(direct).toBeGreaterThan(0);
    expect(await stillCounted(node, '127.0.0.20')).toBe(429);
    expect(await stillCounted(node, '127.0.0.21')).toBe(401);
    // Through nginx: nginx's view of the client counts (not nginx's own address, not the forged entry).
    const proxied = await failUntilThrottled(cluster.url, '127.0.0.22');
    expect(proxied).toBe(direct);
    expect(await stillCounted(cluster.url, '127.0.0.22')).toBe(429);
    expect(await stillCounted(cluster.url, '127.0.0.23')).toBe(401);
    console.log(`[reliability] forwarded-for: throttled after ${direct} failures straight to a node and ${proxied} through nginx, forged X-Forwarded-For ignored`);
  }, 180_000);

  it('stops node 1 with SIGTERM without losing a request, and its clients resume on node 2 with no missing event', async () => {
    const nodeA = cluster.nodes[0]!;
    const owner1 = await loginVia(fromA, 'owner', 'owner123');
    const owner2 = await loginVia(fromB, 'owner', 'owner123');
    const member = await loginVia(fromA, 'member2', 'member123');

    // A client on node 1 that resumes from its last seq whenever it reconnects.
    const received: number[] = [];
    const socket = await connectVia(cluster.url, tenantId, member.access_token, fromA, true);
    socket.onAny((_type: string, event: { seq: number }) => {
      received.push(event.seq);
      (socket.auth as { since?: number }).since = event.seq;
    });
    const startSeq = (await tenantSeqs()).at(-1) ?? 0;
    (socket.auth as { since?: number }).since = startSeq;

    let failed = 0;
    let made = 0;
    const acknowledged: string[] = [];
    let running = true;
    // Eight hourly slots a day from day 41 on: room for thousands of bookings within the horizon.
    let slot = 0;
    const worker = async (from: string, token: string) => {
      while (running) {
        try {
          const n = slot++;
          const res = await bookDayRaw(from, token, member.user.id, 41 + Math.floor(n / 8), 10 + (n % 8));
          if (res.status === 201) acknowledged.push(res.body.data.booking.id);
          else failed++;
          const status = await call(cluster.url, 'GET', '/api/gym-status', { from, token });
          if (status.status !== 200) failed++;
          made += 2;
        } catch {
          failed++;
        }
      }
    };
    const load = [worker(fromA, owner1.access_token), worker(fromB, owner2.access_token), worker(fromA, owner1.access_token)];
    await sleep(1500);
    const stopped = nodeA.stop('SIGTERM');
    await stopped;
    await sleep(2500);
    running = false;
    await Promise.all(load);

    // The socket comes back through nginx (now to node 2) and replays what it missed.
    const lastSeq = (await tenantSeqs()).at(-1)!;
    const until = Date.now() + 15_000;
    while ((received.at(-1) ?? 0) < lastSeq && Date.now() < until) await sleep(100);
    socket.disconnect();
    console.log(`topology: ${made} requests while node 1 stopped, ${failed} failed; ${acknowledged.length} bookings acknowledged; socket got seq ${startSeq + 1}..${received.at(-1)} (${received.length} events)`);

    expect(failed).toBe(0);
    expect(made).toBeGreaterThan(10);
    const stored = await owner.query('select id from bookings where id = any($1)', [acknowledged]);
    expect(stored.rowCount).toBe(acknowledged.length);
    const expected = Array.from({ length: lastSeq - startSeq }, (_, i) => startSeq + 1 + i);
    expect(received).toEqual(expected);
    await nodeA.restart();
  }, 120_000);

  it('refuses /metrics through nginx and on a node\'s public port (metrics live on the internal port, tests/reliability/monitoring.test.ts)', async () => {
    expect((await call(cluster.url, 'GET', '/metrics', { from: fromB })).status).toBe(404);
    expect((await call(`http://127.0.0.1:${ports[1]}`, 'GET', '/metrics', { from: fromB })).status).toBe(404);
  });

  async function bookDayRaw(from: string, token: string, userId: string, daysAhead: number, hour = 10) {
    const date = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
    const areas = await call(cluster.url, 'GET', '/api/gym-status', { from, token });
    const area = areas.body.data.areas.find((a: { name_en: string }) => a.name_en === 'Weight Room');
    return call(cluster.url, 'POST', '/api/book-room', {
      from, token,
      headers: { 'idempotency-key': `topology-${userId}-${daysAhead}-${hour}` },
      body: { room_id: area.id, date, time: `${hour}:00`, duration: 60, user_id: userId },
    });
  }

  async function bookDay(from: string, token: string, userId: string, daysAhead: number) {
    const res = await bookDayRaw(from, token, userId, daysAhead);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.booking as { id: string };
  }
});

