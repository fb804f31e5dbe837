/**
 * The demo seed: idempotent after people add their own data, and (with its activity) a gym that looks
 * alive: weeks of visits shaped like a real gym's day, people inside now, bookings across the week.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { seedDemo } from '../../db/seeds/demo.js';
import { withPostgres } from '../support/services.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { login } from '../support/auth.js';

/** The next Tuesday at 18:30 in Athens: a busy weekday evening, after every real clock reading of the run. */
const EVENING = DateTime.now().setZone('Europe/Athens').plus({ days: 1 }).set({ weekday: 2, hour: 18, minute: 30, second: 0, millisecond: 0 });
const NOW = (EVENING < DateTime.now() ? EVENING.plus({ weeks: 1 }) : EVENING).toJSDate();

describe.runIf(withPostgres)('the demo seed', { timeout: 120_000 }, () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym(); }, 120_000);
  afterAll(async () => { await gym?.stop(); });
  const reseed = (activity: boolean) => seedDemo({ db: gym.server.deps.db, uow: gym.server.deps.uow, bcryptCost: 4, activity, now: NOW });
  const inDemo = <T>(work: (trx: any) => Promise<T>) => gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => work(trx));
  const counts = () => inDemo(async (trx) => ({
    users: Number((await trx('users').count({ n: '*' }))[0].n),
    visits: Number((await trx('visits').count({ n: '*' }))[0].n),
    open: Number((await trx('visits').whereNull('checked_out_at').count({ n: '*' }))[0].n),
    bookings: Number((await trx('bookings').count({ n: '*' }))[0].n),
  }));

  it('runs again after the owner adds members who sort before the demo members', async () => {
    for (const username of ['aaron', 'alice']) {
      const res = await gym.call('POST', '/api/members', { token: gym.tokens.owner, body: { username, password: 'Correct-Horse-Battery-9', full_name: username, role: 'member' } });
      expect(res.status).toBe(201);
    }
    await expect(reseed(false)).resolves.toEqual({ created: [] });
  });

  it('adds weeks of visits, people inside now and the coming week of bookings, once', async () => {
    const started = performance.now();
    await reseed(true);
    console.info(`demo activity seeded on PostgreSQL in ${Math.round(performance.now() - started)} ms`);
    const first = await counts();
    await reseed(true);
    await reseed(true);
    expect(await counts()).toEqual(first);

    const rows: Array<{ day: string; dow: number; hour: number; n: number }> = await inDemo(async (trx) => (await trx.raw(
      `select to_char(t, 'YYYY-MM-DD') as day, extract(isodow from t)::int as dow, extract(hour from t)::int as hour, count(*)::int as n
         from (select checked_in_at at time zone 'Europe/Athens' as t from visits) v group by 1, 2, 3`,
    )).rows);
    expect(new Set(rows.map((r) => r.day)).size).toBeGreaterThanOrEqual(21);
    const perHour = (days: number[], hours: number[]) => {
      const picked = rows.filter((r) => days.includes(r.dow) && hours.includes(r.hour));
      return picked.reduce((sum, r) => sum + r.n, 0) / new Set(picked.map((r) => r.day)).size / hours.length;
    };
    const weekdays = [1, 2, 3, 4, 5];
    // Busy mornings and evenings, quiet afternoons; Saturdays busiest late in the morning.
    expect(perHour(weekdays, [7, 8])).toBeGreaterThan(2 * perHour(weekdays, [14, 15]));
    expect(perHour(weekdays, [18, 19])).toBeGreaterThan(2 * perHour(weekdays, [14, 15]));
    expect(perHour([6], [9, 10])).toBeGreaterThan(2 * perHour([6], [18, 19]));

    // People inside now, within every area's capacity, as the status shows them.
    expect(first.open).toBeGreaterThan(10);
    const status = await gym.call('GET', '/api/gym-status', { token: gym.tokens.member });
    expect(status.body.data.totals.current_users).toBe(first.open);

    const days: string[] = await inDemo(async (trx) => (await trx.raw(
      `select distinct to_char(booking_date, 'YYYY-MM-DD') as d from bookings where status = 'confirmed' and starts_at > ?`, [NOW],
    )).rows.map((r: { d: string }) => r.d));
    expect(days.length).toBeGreaterThanOrEqual(7);

    // The published demo logins (docs/demo-data.md) are untouched.
    for (const [tenant, username, password] of [['demo', 'owner', 'owner123'], ['demo', 'member', 'member123'], ['olympia', 'member2', 'member123'], [null, 'admin', 'admin123']] as const) {
      await expect(login(gym.url, tenant, username, password)).resolves.toBeDefined();
    }
  });

  it('leaves what people booked alone and still starts when the seeded places are taken', async () => {
    const squash = (await gym.areas()).find((a) => a.name_en === 'Squash Court')!;
    const date = DateTime.fromJSDate(NOW).setZone('Europe/Athens').plus({ days: 2 }).toISODate()!;
    const grid = await gym.call('GET', `/api/available-slots/${squash.id}?date=${date}`, { token: gym.tokens.member });
    const free = grid.body.data.slots.find((s: { available: boolean; remaining: number }) => s.available && s.remaining > 0);
    expect(free).toBeDefined();
    const res = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date, time: free.start } });
    expect(res.status).toBe(201);
    const before = await counts();
    await reseed(true);
    expect(await counts()).toEqual(before);
  });
});
