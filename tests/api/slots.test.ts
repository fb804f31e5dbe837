/** GET /api/available-slots/:areaId: the day's grid in the gym's time zone, right across DST changes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

/** The next last Sunday of `month` (3: spring forward, 10: fall back in the EU) after today in Athens. */
function nextDstSunday(month: 3 | 10): string {
  const today = athensDate(0);
  for (let year = Number(today.slice(0, 4)); ; year++) {
    const last = new Date(Date.UTC(year, month, 0));
    last.setUTCDate(last.getUTCDate() - last.getUTCDay());
    const date = last.toISOString().slice(0, 10);
    if (date > today) return date;
  }
}
const previousDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

describe.runIf(withPostgres)('available slots', () => {
  let gym: GymFixture;
  let squash: string;
  let roundTheClock: string;
  beforeAll(async () => {
    gym = await startGym();
    squash = (await gym.areas()).find((a) => a.name_en === 'Squash Court')!.id;
    roundTheClock = (await gym.f.area(gym.demo, { slot_minutes: 60, booking_capacity: 3 })).id;
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) =>
      trx('gym_areas').where({ id: roundTheClock }).update({ opening_hours: JSON.stringify(ALL_DAY) }));
  });
  afterAll(async () => gym?.stop());

  it("answers the day's grid from the tenant's opening hours and the area's slot length", async () => {
    const date = athensDate(2);
    const res = await gym.call('GET', `/api/available-slots/${squash}?date=${date}`, { token: gym.tokens.member });
    expect(res.status).toBe(200);
    const d = res.body.data;
    expect(d).toMatchObject({ area_id: squash, date, slot_minutes: 30, timezone: 'Europe/Athens' });
    const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
    const [open, close] = weekday === 0 ? ['08:00', '20:00'] : ['06:00', '23:00'];
    expect(d.slots[0].start).toBe(open);
    expect(d.slots.at(-1).end).toBe(close);
    expect(d.slots.every((s: any) => s.remaining === 1 && s.available === true)).toBe(true);
  });

  it('defaults to today in the tenant time zone and marks past slots unavailable', async () => {
    const res = await gym.call('GET', `/api/available-slots/${roundTheClock}`, { token: gym.tokens.member });
    expect(res.status).toBe(200);
    expect(res.body.data.date).toBe(athensDate(0));
    const now = Date.now();
    for (const s of res.body.data.slots) expect(s.available).toBe(new Date(s.starts_at).getTime() > now);
  });

  it('counts what is left of each slot after bookings', async () => {
    const date = athensDate(3);
    for (const token of [gym.tokens.member, gym.tokens.member2]) {
      const b = await gym.call('POST', '/api/book-room', { token, body: { room_id: roundTheClock, date, time: '10:00', duration: 60 } });
      expect(b.status).toBe(201);
    }
    const res = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.display });
    const ten = res.body.data.slots.find((s: any) => s.start === '10:00');
    expect(ten).toMatchObject({ remaining: 1, available: true });
    expect(res.body.data.slots.find((s: any) => s.start === '11:00').remaining).toBe(3);
    expect(JSON.stringify(res.body.data)).not.toMatch(/user_id/);
    expect(res.body.data.slots.every((s: any) => s.mine === false)).toBe(true);
    const mine = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.member });
    expect(mine.body.data.slots.filter((s: any) => s.mine).map((s: any) => s.start)).toEqual(['10:00']);
    const owners = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.owner });
    expect(owners.body.data.slots.some((s: any) => s.mine)).toBe(false);
  });

  // The EU changes clocks at 01:00 UTC on the last Sunday of March and October: 03:00 -> 04:00 and 04:00 -> 03:00 in Athens.
  it('skips the missing hour on the spring-forward day in Athens', async () => {
    const date = nextDstSunday(3);
    const res = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.member });
    const slots = res.body.data.slots;
    expect(slots).toHaveLength(23);
    expect(slots.map((s: any) => s.start).slice(0, 4)).toEqual(['00:00', '01:00', '02:00', '04:00']);
    expect(slots[2]).toMatchObject({ start: '02:00', end: '04:00', starts_at: `${date}T00:00:00.000Z`, ends_at: `${date}T01:00:00.000Z` });
    expect(slots[0].starts_at).toBe(`${previousDay(date)}T22:00:00.000Z`);
    const booked = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: roundTheClock, date, time: '02:00', duration: 120 } });
    expect(booked.status).toBe(201);
    expect(booked.body.data.booking).toMatchObject({ starts_at: `${date}T00:00:00.000Z`, ends_at: `${date}T02:00:00.000Z` });
  });

  it('offers the repeated hour twice on the fall-back day in Athens and books its first occurrence', async () => {
    const date = nextDstSunday(10);
    const res = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.member });
    const slots = res.body.data.slots;
    expect(slots).toHaveLength(25);
    const threes = slots.filter((s: any) => s.start === '03:00');
    expect(threes.map((s: any) => s.starts_at)).toEqual([`${date}T00:00:00.000Z`, `${date}T01:00:00.000Z`]);
    const booked = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: roundTheClock, date, time: '03:00', duration: 60 } });
    expect(booked.status).toBe(201);
    expect(booked.body.data.booking).toMatchObject({ starts_at: `${date}T00:00:00.000Z`, ends_at: `${date}T01:00:00.000Z`, start_time: '03:00' });
    const after = await gym.call('GET', `/api/available-slots/${roundTheClock}?date=${date}`, { token: gym.tokens.member });
    expect(after.body.data.slots.filter((s: any) => s.start === '03:00').map((s: any) => s.remaining)).toEqual([2, 3]);
  });

  it('refuses a non-bookable area, an unknown or foreign area, and a bad date', async () => {
    const cardio = (await gym.areas()).find((a) => !a.is_bookable)!.id;
    const notBookable = await gym.call('GET', `/api/available-slots/${cardio}`, { token: gym.tokens.member });
    expect(notBookable.status).toBe(422);
    expect(notBookable.body.data.code).toBe('area_not_bookable');
    const foreign = await gym.call('GET', `/api/available-slots/${squash}`, { token: gym.tokens.olympiaOwner });
    expect(foreign.status).toBe(404);
    const badDate = await gym.call('GET', `/api/available-slots/${squash}?date=2027-02-30`, { token: gym.tokens.member });
    expect(badDate.status).toBe(400);
    expect(badDate.body.data.code).toBe('invalid_input');
    const badId = await gym.call('GET', '/api/available-slots/not-a-uuid', { token: gym.tokens.member });
    expect(badId.status).toBe(400);
  });
});
