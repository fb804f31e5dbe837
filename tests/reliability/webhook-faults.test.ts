/**
 * Webhooks lose nothing and keep their order through what goes wrong in production: a worker killed
 * while deliveries are in flight, the receiver down for a while, Redis down, and the whole server
 * restarted. The receiver (a loopback HTTP server verifying every signature with standardwebhooks)
 * must end with every booking:created of the log, in seq order, duplicates only as repeats of the same
 * webhook-id right after each other.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { freePort, privateRedis, sleep, startProductCluster, type PrivateRedis, type ProductCluster } from '../support/processes.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { raw } from './support/raw-http.js';
import { athensDay } from './support/people.js';

const ALL_DAY = JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }])));
const EXTRA = { WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_SECONDS: '0.2,0.5,1,1,1,1,1,1,1,1,1,1', WEBHOOK_TIMEOUT_MS: '3000' };

describe.runIf(withPostgres)('webhooks through faults', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let cluster: ProductCluster;
  let owner: pg.Client;
  const got: Array<{ id: string; seq: number; verified: boolean }> = [];
  let secret = '';
  let port = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString())).on('end', () => {
      let verified = false;
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch { /* kept as unverified */ }
      const event = JSON.parse(body) as { data: { seq: number } };
      // Slow answers, so that a killed worker is likely to be in the middle of one.
      setTimeout(() => {
        got.push({ id: String(req.headers['webhook-id']), seq: event.data.seq, verified });
        res.end('ok');
      }, 150);
    });
  });
  const listen = () => new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));

  beforeAll(async () => {
    port = await freePort();
    await listen();
    db = await createTestDatabase();
    redis = await privateRedis();
    cluster = await startProductCluster({ DATABASE_URL: db.url, REDIS_URL: redis.url, WEB_CONCURRENCY: 2, extra: EXTRA });
    owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
  }, 180_000);
  afterAll(async () => {
    await owner?.end();
    await cluster?.stop();
    await redis?.kill();
    await db?.drop();
    receiver.closeAllConnections();
    receiver.close();
  });

  it('delivers every event in order through a killed worker, a receiver outage, Redis down and a restart', async () => {
    const tenant = (await owner.query("select id from tenants where subdomain = 'demo'")).rows[0].id as string;
    const room = (await owner.query(
      `insert into gym_areas (tenant_id, name_en, name_el, capacity, booking_capacity, is_bookable, slot_minutes, opening_hours)
       values ($1, 'Hook Hall', 'Αίθουσα', 100, 100, true, 60, $2) returning id`, [tenant, ALL_DAY])).rows[0].id as string;
    let url = cluster.url;
    const ownerToken = (await login(url, 'demo', 'owner', 'owner123')).access_token;
    const member = (await login(url, 'demo', 'member', 'member123')).access_token;
    const made = await raw(url, { method: 'POST', path: '/api/webhooks', headers: { authorization: `Bearer ${ownerToken}` }, json: { url: `http://127.0.0.1:${port}/in`, events: ['booking:created'] } });
    expect(made.status).toBe(201);
    secret = made.json.data.secret;
    let day = 3;
    const book = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await raw(url, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${member}` }, json: { room_id: room, date: athensDay(day++), time: '06:00', duration: 60 } });
        expect(r.status).toBe(201);
      }
    };

    await book(6);
    await sleep(200);
    await cluster.killWorker();
    await book(4);

    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await book(5);
    await sleep(1500);
    await listen();

    await redis.kill();
    await book(5);
    await redis.start();

    await cluster.stop();
    cluster = await startProductCluster({ DATABASE_URL: db.url, REDIS_URL: redis.url, WEB_CONCURRENCY: 2, extra: EXTRA });
    url = cluster.url;
    await book(5);

    const expected = (await owner.query("select seq from events where tenant_id = $1 and type = 'booking:created' and seq is not null order by seq", [tenant])).rows.map((r) => Number(r.seq));
    expect(expected).toHaveLength(25);
    const deadline = Date.now() + 60_000;
    while (new Set(got.map((g) => g.seq)).size < expected.length && Date.now() < deadline) await sleep(100);

    expect(got.every((g) => g.verified)).toBe(true);
    // Repeats only as the same webhook-id again, right after itself; otherwise strictly in seq order.
    const collapsed = got.filter((g, i) => i === 0 || g.id !== got[i - 1]!.id);
    expect(collapsed.map((g) => g.seq)).toEqual(expected);
    const idOf = new Map<number, string>();
    for (const g of got) expect(idOf.get(g.seq) ?? (idOf.set(g.seq, g.id), g.id)).toBe(g.id);
  }, 240_000);
});
