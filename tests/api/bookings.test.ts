/**
 * Booking, cancelling and listing: the server prices and places every booking, the database refuses
 * overbooking under any concurrency, and a retried POST with an Idempotency-Key books once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

describe.runIf(withPostgres)('bookings on PostgreSQL', () => {
  let gym: GymFixture;
  let squash: { id: string };
  let cardio: { id: string };
  const day = athensDate(4);

  async function openArea(bookingCapacity: number, price = 12) {
    const area = await gym.f.area(gym.demo, { booking_capacity: bookingCapacity, slot_minutes: 60, price_per_hour: price, capacity: 500 });
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).update({ opening_hours: JSON.stringify(ALL_DAY) }));
    return area;
  }
  const events = (types: string[]) =>
    gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').whereIn('type', types).orderBy('id').select('type', 'payload'));

  beforeAll(async () => {
    gym = await startGym();
    const areas = await gym.areas();
    squash = areas.find((a) => a.name_en === 'Squash Court')!;
    cardio = areas.find((a) => !a.is_bookable)!;
  });
  afterAll(async () => gym?.stop());

  it('books a slot at the server price and records booking:created and slots:changed', async () => {
    const res = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date: day, time: '12:00', duration: 30 } });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Booked.');
    const b = res.body.data.booking;
    expect(b).toMatchObject({ area_id: squash.id, user_id: gym.users.member, date: day, start_time: '12:00', duration: 30, price: 8, status: 'confirmed' });
    expect(new Date(b.ends_at).getTime() - new Date(b.starts_at).getTime()).toBe(30 * 60_000);
    const log = await events(['booking:created', 'slots:changed']);
    expect(log.at(-2)).toMatchObject({ type: 'booking:created', payload: { booking: { id: b.id, area_id: squash.id, date: day, start_time: '12:00', duration: 30, status: 'confirmed', user_id: gym.users.member } } });
    expect(log.at(-1)).toMatchObject({ type: 'slots:changed', payload: { area_id: squash.id, date: day } });
  });

  it('accepts the right client price and refuses a different one with 422 price_mismatch', async () => {
    const wrong = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date: day, time: '13:00', duration: 60, price: 1 } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.data).toEqual({ code: 'price_mismatch', details: { price: 16, currency: 'EUR' } });
    const right = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date: day, time: '13:00', duration: 60, price: 16 } });
    expect(right.status).toBe(201);
  });

  it('prices 90 minutes at 11.99 an hour as 17.99 (half a cent rounds up) and takes that price from the client', async () => {
    const area = await gym.f.area(gym.demo, { slot_minutes: 90, price_per_hour: 0, booking_capacity: 2 });
    const set = await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.owner, body: { price_per_hour: 11.99, opening_hours: ALL_DAY } });
    expect(set.body.data.price_per_hour).toBe(11.99);
    // A member of its own and a far date: nothing of the demo's bookings is in the way.
    const me = await gym.person();
    const far = athensDate(30);
    const grid = await gym.call('GET', `/api/available-slots/${area.id}?date=${far}`, { token: me.token });
    expect(grid.body.data).toMatchObject({ price_per_hour: 11.99, currency: 'EUR' });
    const res = await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: far, time: '09:00', duration: 90, price: 17.99 } });
    expect(res.body.data).toMatchObject({ booking: { area_id: area.id, duration: 90, price: 17.99, currency: 'EUR' } });
    expect(res.status).toBe(201);
    const stored = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ id: res.body.data.booking.id }).first('price_cents'));
    expect(stored).toEqual({ price_cents: 1799 });
    // A cent off either way, or a fraction of a cent, is another price.
    for (const price of [17.98, 18, 17.985, 17.99 + 1e-9]) {
      const other = await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: far, time: '10:30', duration: 90, price } });
      expect(other.status, String(price)).toBe(422);
      expect(other.body.data).toEqual({ code: 'price_mismatch', details: { price: 17.99, currency: 'EUR' } });
    }
    const listed = await gym.call('GET', '/api/user-bookings', { token: me.token });
    expect(listed.body.data.map((b: any) => b.price)).toEqual([17.99]);
  });

  it('refuses a taken slot and an overlapping booking of the same member with 409 slot_unavailable', async () => {
    const taken = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '12:00', duration: 30 } });
    expect(taken.status).toBe(409);
    expect(taken.body.data.code).toBe('slot_unavailable');
    expect(taken.body.message).toBe('That slot is no longer available.');
    const weights = (await gym.areas()).find((a) => a.name_en === 'Weight Room')!;
    const overlapping = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: weights.id, date: day, time: '12:00', duration: 60 } });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.data.code).toBe('slot_unavailable');
  });

  it('refuses past slots, closed hours, times off the grid, partial slots and areas that take no bookings', async () => {
    const allDay = await openArea(2);
    const past = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: allDay.id, date: athensDate(0), time: '00:00', duration: 60 } });
    expect(past.status).toBe(422);
    expect(past.body.data.code).toBe('slot_in_past');
    const closed = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '05:00', duration: 30 } });
    expect(closed.body.data.code).toBe('outside_opening_hours');
    const late = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '19:30', duration: 600 } });
    expect(late.body.data.code).toBe('outside_opening_hours');
    const offGrid = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '14:10', duration: 30 } });
    expect(offGrid.status).toBe(422);
    const partial = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '14:00', duration: 45 } });
    expect(partial.status).toBe(201);
    expect(partial.body.data.booking.price).toBe(12);
    // The 45 minutes reach into the 14:30 slot, which is now taken as well.
    const next = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date: day, time: '14:30', duration: 30 } });
    expect(next.body.data.code).toBe('slot_unavailable');
    const notBookable = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: cardio.id, date: day, time: '14:00', duration: 60 } });
    expect(notBookable.body.data.code).toBe('area_not_bookable');
    const farAhead = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: athensDate(400), time: '14:00', duration: 30 } });
    expect(farAhead.status).toBe(422);
    expect(farAhead.body.data).toMatchObject({ code: 'too_far_ahead', details: { max_days: 366 } });
    const foreign = await gym.call('POST', '/api/book-room', { token: gym.tokens.olympiaMember, body: { room_id: squash.id, date: day, time: '14:00', duration: 30 } });
    expect(foreign.status).toBe(404);
  });

  it('refuses malformed bodies with 400 and anonymous callers with 401, writing nothing', async () => {
    const before = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').count({ n: '*' }));
    for (const body of [{}, { room_id: squash.id }, { room_id: squash.id, time: '25:00' }, { room_id: squash.id, time: '14:00', extra: 1 }, { room_id: 'x', time: '14:00' }]) {
      const res = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body });
      expect(res.status).toBe(400);
      expect(res.body.data.code).toBe('invalid_input');
    }
    const notJson = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: '{"room_id":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const anonymous = await gym.call('POST', '/api/book-room', { body: { room_id: squash.id, time: '14:00' } });
    expect(anonymous.status).toBe(401);
    const display = await gym.call('POST', '/api/book-room', { token: gym.tokens.display, body: { room_id: squash.id, time: '14:00' } });
    expect(display.status).toBe(403);
    const after = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').count({ n: '*' }));
    expect(after).toEqual(before);
  });

  it('lets staff book for a member, but not a member for someone else', async () => {
    const allDay = await openArea(3);
    const forOther = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: allDay.id, date: day, time: '20:00', user_id: gym.users.member2 } });
    expect(forOther.status).toBe(403);
    const byStaff = await gym.call('POST', '/api/book-room', { token: gym.tokens.trainer, body: { room_id: allDay.id, date: day, time: '20:00', user_id: gym.users.member2, trainer: gym.users.trainer } });
    expect(byStaff.status).toBe(201);
    expect(byStaff.body.data.booking).toMatchObject({ user_id: gym.users.member2, trainer_id: gym.users.trainer, trainer: 'Theo Trainer', price: 12 });
    const byName = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: allDay.id, date: day, time: '21:00', trainer: 'trainer' } });
    expect(byName.body.data.booking).toMatchObject({ trainer_id: gym.users.trainer, trainer: 'Theo Trainer' });
    const free = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: allDay.id, date: day, time: '22:00', trainer: 'Coach Anna' } });
    expect(free.body.data.booking).toMatchObject({ trainer_id: null, trainer: 'Coach Anna' });
    const unknown = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: allDay.id, date: day, time: '23:00', trainer: gym.users.member2 } });
    expect(unknown.status).toBe(422);
  });

  it('books on the area and rules as they are now, though this server read them before the change', async () => {
    const area = await openArea(2, 10);
    const me = await gym.person();
    const book = (time: string, extra: Record<string, unknown> = {}) =>
      gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: day, time, duration: 60, ...extra } });
    expect((await book('08:00')).body.data.booking.price).toBe(10);
    // Changed behind this server's back, as another node or an operator's SQL would: it must not book on old terms.
    const change = (patch: Record<string, unknown>) =>
      gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).update(patch));
    await change({ price_per_hour_cents: 2500 });
    const stalePrice = await book('09:00', { price: 10 });
    expect(stalePrice.status).toBe(422);
    expect(stalePrice.body.data).toEqual({ code: 'price_mismatch', details: { price: 25, currency: 'EUR' } });
    expect((await book('09:00')).body.data.booking.price).toBe(25);
    await change({ max_booking_minutes: 30 });
    expect((await book('10:00')).body.data).toEqual({ code: 'too_long', details: { field: 'duration', max_minutes: 30 } });
    await change({ is_bookable: false });
    expect((await book('11:00', { duration: 30 })).body.data.code).toBe('area_not_bookable');
  });

  it('does not let staff book for a member who is no longer active', async () => {
    const area = await openArea(2);
    const gone = await gym.person();
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('users').where({ id: gone.id }).update({ active: false }));
    const res = await gym.call('POST', '/api/book-room', { token: gym.tokens.owner, body: { room_id: area.id, date: day, time: '08:00', user_id: gone.id } });
    expect(res.status).toBe(404);
    expect(res.body.data).toMatchObject({ code: 'not_found', details: { field: 'user_id' } });
  });

  it("lists the caller's bookings latest first, page by page with a Link header", async () => {
    const me = await gym.person();
    const allDay = await openArea(5);
    for (const time of ['08:00', '09:00', '10:00']) {
      expect((await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: allDay.id, date: day, time } })).status).toBe(201);
    }
    const first = await gym.call('GET', '/api/user-bookings?limit=2', { token: me.token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((b: any) => b.start_time)).toEqual(['10:00', '09:00']);
    expect(first.body.data[0].area_name_en).toBeTruthy();
    const link = first.headers.get('link')!;
    expect(link).toMatch(/rel="next"/);
    const next = link.slice(1, link.indexOf('>'));
    expect(next).toMatch(/^\/api\/user-bookings\?limit=2&cursor=/);
    const second = await gym.call('GET', next, { token: me.token });
    expect(second.body.data.map((b: any) => b.start_time)).toEqual(['08:00']);
    expect(second.headers.get('link')).toBeNull();
    const badCursor = await gym.call('GET', '/api/user-bookings?cursor=garbage', { token: me.token });
    expect(badCursor.status).toBe(400);
  });

  it('cancels own bookings, hides other members\' bookings as 404, and frees the slot', async () => {
    const allDay = await openArea(1);
    const mine = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: allDay.id, date: day, time: '16:00' } });
    const id = mine.body.data.booking.id;
    const stranger = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.member, body: { booking_id: id } });
    expect(stranger.status).toBe(404);
    const foreign = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.olympiaOwner, body: { booking_id: id } });
    expect(foreign.status).toBe(404);
    const own = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.member2, body: { booking_id: id } });
    expect(own.status).toBe(200);
    expect(own.body.data).toMatchObject({ id, status: 'cancelled' });
    expect(own.body.data.cancelled_at).toBeTruthy();
    const again = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.member2, body: { booking_id: id } });
    expect(again.status).toBe(409);
    const log = await events(['booking:cancelled']);
    expect(log.at(-1)).toMatchObject({ payload: { booking: { id, status: 'cancelled' } } });
    const rebook = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: allDay.id, date: day, time: '16:00' } });
    expect(rebook.status).toBe(201);
    const byOwner = await gym.call('POST', `/api/bookings/${rebook.body.data.booking.id}/cancel`, { token: gym.tokens.owner });
    expect(byOwner.status).toBe(200);
  });

  it('lists every booking of the gym to staff with filters, and refuses members', async () => {
    const res = await gym.call('GET', `/api/bookings?area_id=${squash.id}&date=${day}&order=asc`, { token: gym.tokens.trainer });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThanOrEqual(2);
    expect(res.body.data.every((b: any) => b.area_id === squash.id && b.date === day && typeof b.username === 'string')).toBe(true);
    expect(res.body.data.map((b: any) => b.start_time)).toEqual([...res.body.data.map((b: any) => b.start_time)].sort());
    const member = await gym.call('GET', '/api/bookings', { token: gym.tokens.member });
    expect(member.status).toBe(403);
    const one = await gym.call('GET', `/api/bookings/${res.body.data[0].id}`, { token: gym.tokens.member2 });
    expect(one.status).toBe(res.body.data[0].user_id === gym.users.member2 ? 200 : 404);
  });

  it('lets staff mark a started booking completed or no_show, which frees the slot', async () => {
    const allDay = await openArea(1);
    const me = await gym.person();
    const booked = await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: allDay.id, date: day, time: '05:00' } });
    const id = booked.body.data.booking.id;
    const early = await gym.call('PATCH', `/api/bookings/${id}`, { token: gym.tokens.trainer, body: { status: 'no_show' } });
    expect(early.status).toBe(422);
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ id })
      .update({ starts_at: new Date(Date.now() - 600_000), ends_at: new Date(Date.now() + 3000_000) }));
    expect((await gym.call('PATCH', `/api/bookings/${id}`, { token: me.token, body: { status: 'no_show' } })).status).toBe(403);
    const marked = await gym.call('PATCH', `/api/bookings/${id}`, { token: gym.tokens.trainer, body: { status: 'no_show' } });
    expect(marked.status).toBe(200);
    expect(marked.body.data.status).toBe('no_show');
    expect((await gym.call('PATCH', `/api/bookings/${id}`, { token: gym.tokens.trainer, body: { status: 'completed' } })).status).toBe(409);
    expect((await gym.call('PATCH', `/api/bookings/${id}`, { token: gym.tokens.trainer, body: { status: 'cancelled' } })).status).toBe(400);
  });

  it("answers in the caller's language: Greek for the Greek gym's members", async () => {
    const yoga = (await gym.areas('olympia')).find((a) => a.name_en === 'Yoga Studio')!;
    const ok = await gym.call('POST', '/api/book-room', { token: gym.tokens.olympiaMember, body: { room_id: yoga.id, date: day, time: '10:00' } });
    expect(ok.status).toBe(201);
    expect(ok.body.message).toBe('Η κράτηση έγινε.');
    const wrong = await gym.call('POST', '/api/book-room', { token: gym.tokens.olympiaMember, body: { room_id: yoga.id, date: day, time: '11:00', price: 0 } });
    expect(wrong.body.message).toBe('Η τιμή άλλαξε· ελέγξτε την ξανά.');
    const english = await gym.call('POST', '/api/book-room?lang=en', { token: gym.tokens.olympiaMember, body: { room_id: yoga.id, date: day, time: '11:00', price: 0 } });
    expect(english.body.message).toBe('The price has changed; please review it.');
  });

  it('gives exactly C of 100 concurrent bookings of one slot, the rest 409, round after round', async () => {
    const people = await Promise.all(Array.from({ length: 100 }, () => gym.person()));
    const rounds = [1, 3, 8, 1, 5];
    for (const [round, capacity] of rounds.entries()) {
      const area = await openArea(capacity);
      const time = `${String(6 + round).padStart(2, '0')}:00`;
      const answers = await Promise.all(people.map((p) =>
        gym.call('POST', '/api/book-room', { token: p.token, body: { room_id: area.id, date: day, time } })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(capacity);
      expect(statuses.filter((s) => s === 409)).toHaveLength(100 - capacity);
      expect(answers.filter((a) => a.status === 409).every((a) => a.body.data.code === 'slot_unavailable')).toBe(true);
      const places = answers.filter((a) => a.status === 201).map((a) => a.body.data.booking.id);
      const rows = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ gym_area_id: area.id, status: 'confirmed' }).pluck('place'));
      expect(rows.sort()).toEqual(Array.from({ length: capacity }, (_, i) => i + 1));
      expect(places).toHaveLength(capacity);
      const slots = await gym.call('GET', `/api/available-slots/${area.id}?date=${day}`, { token: gym.tokens.member });
      expect(slots.body.data.slots.find((s: any) => s.start === time)).toMatchObject({ remaining: 0, available: false });
    }
  }, 120_000);
});
