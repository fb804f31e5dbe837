/**
 * Holds expire on time across worker deaths: the product runs as a real cluster (a primary and two
 * workers), an offer's hold runs out while the workers are SIGKILLed one after the other, and the
 * place passes to the next in line within seconds, once, because the hold job keeps all its state in
 * the database and runs on whichever process holds its advisory lock.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { startProductCluster, type ProductCluster } from '../support/processes.js';
import { REDIS_URL, withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { raw } from './support/raw-http.js';
import { athensDay } from './support/people.js';

const ALL_DAY = JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }])));

describe.runIf(withPostgres && withRedis)('waitlist holds across killed workers', () => {
  let db: TestDatabase;
  let cluster: ProductCluster;
  let owner: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    cluster = await startProductCluster({ DATABASE_URL: db.url, REDIS_URL, WEB_CONCURRENCY: 2 });
    owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
  }, 180_000);
  afterAll(async () => {
    await owner?.end();
    await cluster?.stop();
    await db?.drop();
  });

  it('passes an offer whose hold ran out while its workers died to the next in line', async () => {
    const tenant = (await owner.query("select id from tenants where subdomain = 'demo'")).rows[0].id as string;
    // As the database owner (row-level security does not bind it): an exclusive court open around the clock.
    const court = (await owner.query(
      `insert into gym_areas (tenant_id, name_en, name_el, capacity, booking_capacity, is_bookable, slot_minutes, opening_hours)
       values ($1, 'Kill Court', 'Γήπεδο', 4, 1, true, 60, $2) returning id`, [tenant, ALL_DAY])).rows[0].id as string;
    const [a, b, c] = await Promise.all([
      login(cluster.url, 'demo', 'member', 'member123'),
      login(cluster.url, 'demo', 'member2', 'member123'),
      login(cluster.url, 'demo', 'trainer', 'trainer123'),
    ]);
    const as = (who: { access_token: string }) => ({ authorization: `Bearer ${who.access_token}` });
    const slot = { room_id: court, date: athensDay(3), time: '12:00' };
    const booked = await raw(cluster.url, { method: 'POST', path: '/api/book-room', headers: as(a), json: slot });
    expect(booked.status).toBe(201);
    const first = await raw(cluster.url, { method: 'POST', path: '/api/waitlist', headers: as(b), json: slot });
    const second = await raw(cluster.url, { method: 'POST', path: '/api/waitlist', headers: as(c), json: slot });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await raw(cluster.url, { method: 'POST', path: '/api/cancel-booking', headers: as(a), json: { booking_id: booked.json.data.booking.id } })).status).toBe(200);
    const statusOf = async (id: string) => (await owner.query('select status from waitlist_entries where id = $1', [id])).rows[0].status as string;
    expect(await statusOf(first.json.data.id)).toBe('offered');

    // The hold runs out in two seconds; meanwhile every worker is killed and replaced.
    await owner.query("update waitlist_entries set hold_until = now() + interval '2 seconds' where id = $1", [first.json.data.id]);
    const killed: number[] = [];
    for (const pid of cluster.workers()) killed.push((await cluster.killWorker(pid)).killed);
    expect(killed).toHaveLength(2);

    await expect.poll(() => statusOf(second.json.data.id), { timeout: 20_000, interval: 200 }).toBe('offered');
    expect(await statusOf(first.json.data.id)).toBe('expired');
    const holds = await owner.query("select b.user_id from bookings b where b.gym_area_id = $1 and b.status in ('confirmed', 'held')", [court]);
    expect(holds.rows).toEqual([{ user_id: c.user.id }]);
    const offers = await owner.query("select payload->>'entry_id' as entry from events where type = 'waitlist:offered' and payload->>'area_id' = $1 order by id", [court]);
    expect(offers.rows.map((r) => r.entry)).toEqual([first.json.data.id, second.json.data.id]);
  }, 180_000);
});
