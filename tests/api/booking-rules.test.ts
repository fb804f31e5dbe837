/**
 * The gym's booking rules over HTTP: each refuses exactly at its limit and not one before, also when
 * 50 requests of the same member arrive at once (the member's row is the lock they queue on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { DEFAULT_BOOKING_RULES, type BookingRules } from '../../backend/src/contracts/booking-rules.js';
import { WIDE_BOOKING_RULES } from '../support/booking-rules.js';

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

describe('the booking rules', () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym(); }, 60_000);
  afterAll(async () => { await gym.stop(); });

  const setRules = async (rules: Partial<BookingRules>) => {
    const res = await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { booking_rules: { ...WIDE_BOOKING_RULES, ...rules } } } });
    expect(res.status).toBe(200);
    return res.body.data.settings.booking_rules as BookingRules;
  };
  /** A fresh area open around the clock, so slots exist at any hour the test runs. */
  const area = async (options: { booking_capacity?: number; slot_minutes?: number } = {}) => {
    const a = await gym.f.area(gym.demo, { booking_capacity: options.booking_capacity ?? 4, slot_minutes: options.slot_minutes ?? 30 });
    const res = await gym.call('PATCH', `/api/areas/${a.id}`, { token: gym.tokens.owner, body: { opening_hours: ALL_DAY } });
    expect(res.status).toBe(200);
    return a.id;
  };
  const slotsOf = async (areaId: string, date: string, token = gym.tokens.member) =>
    (await gym.call('GET', `/api/available-slots/${areaId}?date=${date}`, { token })).body.data.slots as Array<{ start: string; starts_at: string; available: boolean }>;
  const book = (token: string, room_id: string, date: string, time: string, duration = 30) =>
    gym.call('POST', '/api/book-room', { token, body: { room_id, date, time, duration } });

  it('gives a new gym the default rules, and PATCH changes them rule by rule', async () => {
    const signup = await gym.call('POST', '/api/tenants', {
      body: { name: 'Rules Gym', subdomain: 'rules-gym', owner: { username: 'boss', password: 'a long and unusual passphrase 42' } },
    });
    expect(signup.status).toBe(201);
    expect(signup.body.data.tenant.settings.booking_rules).toEqual(DEFAULT_BOOKING_RULES);
    const changed = await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { booking_rules: { hold_minutes: 5 } } } });
    expect(changed.body.data.settings.booking_rules).toEqual({ ...WIDE_BOOKING_RULES, hold_minutes: 5 });
    const bad = await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { booking_rules: { horizon_days: 0, max_active_bookings: 'many' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.data.details.map((d: { path: string[] }) => d.path.join('.')).sort())
      .toEqual(['settings.booking_rules.horizon_days', 'settings.booking_rules.max_active_bookings']);
  });

  it('books up to the horizon (the default 14 days) and refuses the first slot beyond it', async () => {
    const rules = await setRules({ horizon_days: DEFAULT_BOOKING_RULES.horizon_days });
    const id = await area();
    const limit = Date.now() + rules.horizon_days * 86_400_000;
    const slots = [...await slotsOf(id, athensDate(rules.horizon_days)), ...await slotsOf(id, athensDate(rules.horizon_days + 1))];
    const last = slots.filter((s) => Date.parse(s.starts_at) <= limit - 60_000).at(-1)!;
    const first = slots.find((s) => Date.parse(s.starts_at) > limit + 60_000)!;
    const within = await book(gym.tokens.member, id, localDay(last.starts_at), last.start);
    expect(within.status).toBe(201);
    const beyond = await book(gym.tokens.member, id, localDay(first.starts_at), first.start);
    expect(beyond.status).toBe(422);
    expect(beyond.body.data).toMatchObject({ code: 'too_far_ahead', details: { max_days: 14 } });
    expect(beyond.body.message).toBe('That day is too far ahead to book yet.');
  });

  it("refuses a booking one minute longer than the gym's longest, and the area's own when it is shorter", async () => {
    await setRules({ max_booking_minutes: 60 });
    const id = await area({ slot_minutes: 30 });
    const day = athensDate(2);
    expect((await book(gym.tokens.member, id, day, '10:00', 60)).status).toBe(201);
    const long = await book(gym.tokens.member, id, day, '12:00', 90);
    expect(long.status).toBe(422);
    expect(long.body.data).toMatchObject({ code: 'too_long', details: { field: 'duration', max_minutes: 60 } });
    expect((await gym.call('PATCH', `/api/areas/${id}`, { token: gym.tokens.owner, body: { max_booking_minutes: 30 } })).body.data.max_booking_minutes).toBe(30);
    expect((await book(gym.tokens.member, id, day, '14:00', 30)).status).toBe(201);
    const areaLong = await book(gym.tokens.member, id, day, '15:00', 60);
    expect(areaLong.body.data).toMatchObject({ code: 'too_long', details: { max_minutes: 30 } });
    const greek = await gym.call('POST', '/api/book-room?lang=el', { token: gym.tokens.member, body: { room_id: id, date: day, time: '16:00', duration: 60 } });
    expect(greek.body.message).toBe('Η κράτηση είναι μεγαλύτερη από όσο επιτρέπει το γυμναστήριο.');
  });

  it('lets a member hold exactly the most active bookings, refuses one more, and frees one by cancelling', async () => {
    await setRules({ max_active_bookings: 3 });
    const id = await area();
    const me = await gym.person();
    const day = athensDate(3);
    const ids: string[] = [];
    for (const time of ['08:00', '09:00', '10:00']) {
      const res = await book(me.token, id, day, time);
      expect(res.status).toBe(201);
      ids.push(res.body.data.booking.id);
    }
    const fourth = await book(me.token, id, day, '11:00');
    expect(fourth.status).toBe(422);
    expect(fourth.body.data).toMatchObject({ code: 'booking_limit_reached', details: { rule: 'active_bookings', limit: 3 } });
    expect((await gym.call('POST', '/api/cancel-booking', { token: me.token, body: { booking_id: ids[0] } })).status).toBe(200);
    expect((await book(me.token, id, day, '11:00')).status).toBe(201);
  });

  it('gives 50 concurrent bookings of one member exactly the most active bookings (8) and refuses the rest', async () => {
    await setRules({ max_active_bookings: DEFAULT_BOOKING_RULES.max_active_bookings });
    const id = await area({ booking_capacity: 4, slot_minutes: 15 });
    const me = await gym.person();
    const day = athensDate(4);
    const times = Array.from({ length: 50 }, (_, i) => `${String(6 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`);
    const answers = await Promise.all(times.map((t) => book(me.token, id, day, t, 15)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(8);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(42);
    expect(new Set(refused.map((a) => a.body.data.code))).toEqual(new Set(['booking_limit_reached']));
    const mine = await gym.call('GET', '/api/user-bookings?status=confirmed&limit=100', { token: me.token });
    expect(mine.body.data).toHaveLength(8);
  });

  it('allows exactly the minutes per day in exclusive rooms, also under 50 concurrent requests', async () => {
    await setRules({ max_daily_exclusive_minutes: 120 });
    const court = await area({ booking_capacity: 1, slot_minutes: 30 });
    const shared = await area({ booking_capacity: 6, slot_minutes: 30 });
    const me = await gym.person();
    const day = athensDate(5);
    for (const time of ['08:00', '09:00', '10:00']) expect((await book(me.token, court, day, time)).status).toBe(201);
    expect((await book(me.token, court, day, '11:00')).status).toBe(201);
    const over = await book(me.token, court, day, '12:00');
    expect(over.body.data).toMatchObject({ code: 'booking_limit_reached', details: { rule: 'daily_exclusive_minutes', limit: 120, used: 120 } });
    // Shared rooms and other days do not count.
    expect((await book(me.token, shared, day, '13:00', 60)).status).toBe(201);
    expect((await book(me.token, court, athensDate(6), '08:00')).status).toBe(201);

    const other = await gym.person();
    await setRules({ max_daily_exclusive_minutes: 60 });
    const times = Array.from({ length: 50 }, (_, i) => `${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`);
    const court2 = await area({ booking_capacity: 1, slot_minutes: 15 });
    const answers = await Promise.all(times.map((t) => book(other.token, court2, athensDate(7), t, 15)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    expect(new Set(answers.filter((a) => a.status !== 201).map((a) => a.body.data.code))).toEqual(new Set(['booking_limit_reached']));
  });

  it('makes a cancellation inside the window late_cancelled, and one outside it a plain cancel', async () => {
    await setRules({ cancellation_window_hours: 2 });
    const id = await area({ slot_minutes: 15 });
    const me = await gym.person();
    const soon = (await slotsOf(id, athensDate(0), me.token)).concat(await slotsOf(id, athensDate(1), me.token))
      .filter((s) => s.available && Date.parse(s.starts_at) < Date.now() + 2 * 3_600_000 - 60_000);
    const later = (await slotsOf(id, athensDate(1), me.token)).filter((s) => Date.parse(s.starts_at) > Date.now() + 2 * 3_600_000 + 60_000);
    const near = await book(me.token, id, localDay(soon[0]!.starts_at), soon[0]!.start, 15);
    const far = await book(me.token, id, localDay(later[0]!.starts_at), later[0]!.start, 15);
    const lateCancel = await gym.call('POST', '/api/cancel-booking', { token: me.token, body: { booking_id: near.body.data.booking.id } });
    expect(lateCancel.body.data.status).toBe('late_cancelled');
    const plain = await gym.call('POST', '/api/cancel-booking', { token: me.token, body: { booking_id: far.body.data.booking.id } });
    expect(plain.body.data.status).toBe('cancelled');
  });

  it('blocks a member at the third miss in 30 days (not at the second), and staff lift the block', async () => {
    await setRules({ cancellation_window_hours: 168, no_show_limit: 3, block_days: 7 });
    const id = await area();
    const me = await gym.person();
    const day = athensDate(2);
    const miss = async (time: string) => {
      const b = await book(me.token, id, day, time);
      expect(b.status).toBe(201);
      expect((await gym.call('POST', '/api/cancel-booking', { token: me.token, body: { booking_id: b.body.data.booking.id } })).body.data.status).toBe('late_cancelled');
    };
    await miss('08:00');
    await miss('09:00');
    expect((await gym.call('GET', `/api/members/${me.id}`, { token: gym.tokens.owner })).body.data.booking_blocked_until).toBeNull();
    await miss('10:00');
    const blocked = await book(me.token, id, day, '11:00');
    expect(blocked.status).toBe(422);
    expect(blocked.body.data.code).toBe('booking_blocked');
    const until = Date.parse(blocked.body.data.details.until);
    expect(Math.abs(until - (Date.now() + 7 * 86_400_000))).toBeLessThan(120_000);
    const concurrent = await Promise.all(['12:00', '13:00', '14:00', '15:00'].map((t) => book(me.token, id, day, t)));
    expect(concurrent.map((a) => a.body.data.code)).toEqual(Array(4).fill('booking_blocked'));
    expect((await gym.call('GET', `/api/members/${me.id}`, { token: gym.tokens.trainer })).body.data.booking_blocked_until).toBe(new Date(until).toISOString());

    expect((await gym.call('POST', `/api/members/${me.id}/lift-block`, { token: me.token })).status).toBe(403);
    const lifted = await gym.call('POST', `/api/members/${me.id}/lift-block`, { token: gym.tokens.trainer });
    expect(lifted.status).toBe(200);
    expect(lifted.body.data.booking_blocked_until).toBeNull();
    // The misses before the lift no longer count: one more does not block again.
    await miss('16:00');
    expect((await book(me.token, id, day, '17:00')).status).toBe(201);
  });

  it('lets staff close a booking that has already ended, with nothing of its slot left to offer', async () => {
    const id = await area();
    const me = await gym.person();
    const ended = () => gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => (await trx.raw(
      `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
       values (?, ?, ?, ?, '00:00', 30, now() - interval '2 hours', now() - interval '90 minutes', 1, 0, 'confirmed') returning id`,
      [gym.demo, me.id, id, athensDate(0)])).rows[0].id as string);
    for (const status of ['completed', 'no_show']) {
      const marked = await gym.call('PATCH', `/api/bookings/${await ended()}`, { token: gym.tokens.trainer, body: { status } });
      expect(marked.status, JSON.stringify(marked.body)).toBe(200);
      expect(marked.body.data.status).toBe(status);
    }
  });

  it('counts only the misses inside the window: one 31 days ago does not, one 29 days ago does', async () => {
    await setRules({ no_show_limit: 2, no_show_window_days: 30, block_days: 7 });
    const id = await area();
    const me = await gym.person();
    const insert = (status: string, startsAgo: string, endsIn: string) => gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => (await trx.raw(
      `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
       values (?, ?, ?, ?, '00:00', 30, now() - interval '${startsAgo}', now() + interval '${endsIn}', 1, 0, ?) returning id`,
      [gym.demo, me.id, id, athensDate(0), status])).rows[0].id as string);
    const markNoShow = async () => {
      const started = await insert('confirmed', '10 minutes', '20 minutes');
      expect((await gym.call('PATCH', `/api/bookings/${started}`, { token: gym.tokens.trainer, body: { status: 'no_show' } })).status).toBe(200);
    };
    await insert('no_show', '31 days', '-31 days 23 hours 30 minutes');
    await markNoShow();
    expect((await book(me.token, id, athensDate(1), '10:00')).status).toBe(201);
    await insert('no_show', '29 days', '-29 days 23 hours 30 minutes');
    await markNoShow();
    expect((await book(me.token, id, athensDate(1), '11:00')).body.data.code).toBe('booking_blocked');
  });

  it('counts a no-show marked by staff like a late cancel', async () => {
    await setRules({ no_show_limit: 1, block_days: 2 });
    const id = await area();
    const me = await gym.person();
    // A booking that has started: written directly, as no request can book the past.
    const booking = await gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => (await trx.raw(
      `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents)
       values (?, ?, ?, ?, '00:00', 30, now() - interval '10 minutes', now() + interval '20 minutes', 1, 0) returning id`,
      [gym.demo, me.id, id, athensDate(0)])).rows[0].id as string);
    expect((await gym.call('PATCH', `/api/bookings/${booking}`, { token: gym.tokens.trainer, body: { status: 'no_show' } })).status).toBe(200);
    const refused = await book(me.token, id, athensDate(1), '10:00');
    expect(refused.body.data.code).toBe('booking_blocked');
  });
});

/** The Athens date of an instant. */
function localDay(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Athens', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}
