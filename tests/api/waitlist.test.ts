/**
 * Waitlists over HTTP and sockets: joining a full slot, offers held in the database's capacity, accept,
 * decline, leave, expiry by the background job, auto-book, capacity raised, the staff's view, and
 * `waitlist:offered` reaching only its member.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { WIDE_BOOKING_RULES } from '../support/booking-rules.js';
import type { BookingRules } from '../../backend/src/contracts/booking-rules.js';
import { connect, until, type Client } from '../realtime/helpers.js';

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

// The embedded database (PGlite) runs the same functions: both drivers take the same test.
for (const driver of ['pg', 'pglite'] as const) describe(`waitlists (${driver})`, () => {
  let gym: GymFixture;
  const sockets: Client[] = [];
  beforeAll(async () => { gym = await startGym({ driver }); }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await gym.stop();
  });

  const setRules = async (rules: Partial<BookingRules>) =>
    expect((await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { booking_rules: { ...WIDE_BOOKING_RULES, ...rules } } } })).status).toBe(200);
  const area = async (booking_capacity = 1) => {
    const a = await gym.f.area(gym.demo, { booking_capacity, slot_minutes: 30 });
    await gym.call('PATCH', `/api/areas/${a.id}`, { token: gym.tokens.owner, body: { opening_hours: ALL_DAY } });
    return a.id;
  };
  const day = athensDate(3);
  const book = (token: string, room_id: string, time = '10:00') => gym.call('POST', '/api/book-room', { token, body: { room_id, date: day, time, duration: 30 } });
  const join = (token: string, room_id: string, time = '10:00') => gym.call('POST', '/api/waitlist', { token, body: { room_id, date: day, time, duration: 30 } });
  const cancel = (token: string, booking_id: string) => gym.call('POST', '/api/cancel-booking', { token, body: { booking_id } });
  const entryOf = async (token: string, id: string) =>
    ((await gym.call('GET', '/api/waitlist', { token })).body.data as Array<{ id: string; status: string; position: number | null; booking_id: string | null; hold_until: string | null }>).find((e) => e.id === id);
  const slot = async (id: string, token: string, time = '10:00') =>
    ((await gym.call('GET', `/api/available-slots/${id}?date=${day}`, { token })).body.data.slots as Array<{ start: string; remaining: number; waitlist: number; my_waitlist: unknown }>).find((s) => s.start === time)!;

  it('joins only a full slot, once, and answers the place in line', async () => {
    await setRules({});
    const id = await area();
    const [a, b, c] = [await gym.person(), await gym.person(), await gym.person()];
    const free = await join(b.token, id);
    expect(free.status).toBe(409);
    expect(free.body.data.code).toBe('slot_available');
    expect((await book(a.token, id)).status).toBe(201);
    const first = await join(b.token, id);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ status: 'waiting', position: 1, area_id: id, date: day, start_time: '10:00' });
    expect((await join(c.token, id)).body.data.position).toBe(2);
    expect((await join(b.token, id)).body.data.code).toBe('already_exists');
    expect((await join(a.token, id)).body.data.code).toBe('slot_unavailable');
    expect(await slot(id, c.token)).toMatchObject({ remaining: 0, waitlist: 2, my_waitlist: { position: 2, status: 'waiting' } });
    // Leaving moves the next one up.
    expect((await gym.call('DELETE', `/api/waitlist/${first.body.data.id}`, { token: b.token })).body.data.status).toBe('left');
    expect(await slot(id, c.token)).toMatchObject({ waitlist: 1, my_waitlist: { position: 1 } });
    expect((await gym.call('DELETE', `/api/waitlist/${first.body.data.id}`, { token: c.token })).status).toBe(404);
  });

  it('offers a freed place to the first in line only, holds it within capacity, and books it on accept', async () => {
    await setRules({ hold_minutes: 10 });
    const id = await area();
    const [a, b, c, d] = [await gym.person(), await gym.person(), await gym.person(), await gym.person()];
    const booked = await book(a.token, id);
    const eb = (await join(b.token, id)).body.data.id as string;
    const ec = (await join(c.token, id)).body.data.id as string;
    const [sb, sc] = [await connect(gym.url, gym.demo, { token: b.token }), await connect(gym.url, gym.demo, { token: c.token })];
    const staff = await connect(gym.url, gym.demo, { token: gym.tokens.owner });
    sockets.push(sb, sc, staff);

    expect((await cancel(a.token, booked.body.data.booking.id)).status).toBe(200);
    await until('the offer reaches B', () => sb.received.some((r) => r.type === 'waitlist:offered'));
    const offer = sb.received.find((r) => r.type === 'waitlist:offered')!.event;
    expect(offer).toMatchObject({ entry_id: eb, area_id: id, date: day, start_time: '10:00', duration: 30 });
    expect(Math.abs(Date.parse(offer.hold_until) - Date.now() - 10 * 60_000)).toBeLessThan(60_000);
    await until('C and staff see the line change', () =>
      sc.received.some((r) => r.type === 'waitlist:changed') && staff.received.some((r) => r.type === 'waitlist:changed'));
    expect(sc.received.some((r) => r.type === 'waitlist:offered')).toBe(false);
    expect(staff.received.some((r) => r.type === 'waitlist:offered')).toBe(false);
    // Replayed from the log, the offer again reaches B alone.
    const [replayB, replayC] = [await connect(gym.url, gym.demo, { token: b.token, since: 0 }), await connect(gym.url, gym.demo, { token: c.token, since: 0 })];
    sockets.push(replayB, replayC);
    await until('both replays reach the offer', () => [replayB, replayC].every((s) => s.received.some((r) => r.type === 'waitlist:changed' && r.event.seq > offer.seq)));
    expect(replayB.received.filter((r) => r.type === 'waitlist:offered').map((r) => r.event.entry_id)).toEqual([eb]);
    expect(replayC.received.some((r) => r.type === 'waitlist:offered')).toBe(false);

    // The hold takes the place: nobody else can book it, and C still waits.
    expect(await slot(id, d.token)).toMatchObject({ remaining: 0, waitlist: 2 });
    expect((await book(d.token, id)).status).toBe(409);
    expect(await entryOf(c.token, ec)).toMatchObject({ status: 'waiting', position: 2 });
    expect((await gym.call('POST', `/api/waitlist/${ec}/accept`, { token: c.token })).body.data.code).toBe('offer_unavailable');
    expect((await gym.call('POST', `/api/waitlist/${eb}/accept`, { token: c.token })).status).toBe(404);

    const accepted = await gym.call('POST', `/api/waitlist/${eb}/accept`, { token: b.token });
    expect(accepted.status).toBe(201);
    expect(accepted.body.data.booking).toMatchObject({ area_id: id, status: 'confirmed', user_id: b.id, start_time: '10:00' });
    expect(await entryOf(b.token, eb)).toMatchObject({ status: 'accepted', position: null, booking_id: accepted.body.data.booking.id });
    expect((await gym.call('POST', `/api/waitlist/${eb}/accept`, { token: b.token })).body.data.code).toBe('offer_unavailable');
    expect(await slot(id, d.token)).toMatchObject({ remaining: 0, waitlist: 1 });
  });

  it('passes a declined offer and an expired one to the next in line', async () => {
    await setRules({});
    const id = await area();
    const [a, b, c, e] = [await gym.person(), await gym.person(), await gym.person(), await gym.person()];
    const booked = await book(a.token, id);
    const eb = (await join(b.token, id)).body.data.id as string;
    const ec = (await join(c.token, id)).body.data.id as string;
    const ee = (await join(e.token, id)).body.data.id as string;
    await cancel(a.token, booked.body.data.booking.id);
    expect((await entryOf(b.token, eb))!.status).toBe('offered');
    const declined = await gym.call('POST', `/api/waitlist/${eb}/decline`, { token: b.token });
    expect(declined.body.data.status).toBe('declined');
    expect(await entryOf(c.token, ec)).toMatchObject({ status: 'offered', position: 1 });
    expect((await gym.call('POST', `/api/waitlist/${eb}/decline`, { token: b.token })).body.data.code).toBe('offer_unavailable');

    // C's hold runs out: the job (every few seconds, on any process) passes it on.
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('waitlist_entries').where({ id: ec }).update({ hold_until: trx.raw("now() - interval '1 second'") }));
    await until('the expired offer passes to E', async () => (await entryOf(e.token, ee))?.status === 'offered');
    expect((await entryOf(c.token, ec))!.status).toBe('expired');
    expect((await gym.call('POST', `/api/waitlist/${ec}/accept`, { token: c.token })).body.data.code).toBe('offer_unavailable');
    const holds = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ gym_area_id: id, status: 'held' }).select('user_id'));
    expect(holds).toEqual([{ user_id: e.id }]);
  });

  it("books the first in line at once with the gym's auto-book rule", async () => {
    await setRules({ waitlist_auto_book: true });
    const id = await area();
    const [a, b] = [await gym.person(), await gym.person()];
    const booked = await book(a.token, id);
    const eb = (await join(b.token, id)).body.data.id as string;
    await cancel(a.token, booked.body.data.booking.id);
    expect(await entryOf(b.token, eb)).toMatchObject({ status: 'accepted' });
    const mine = await gym.call('GET', '/api/user-bookings', { token: b.token });
    expect(mine.body.data).toMatchObject([{ area_id: id, status: 'confirmed', start_time: '10:00' }]);
    await setRules({});
  });

  it('offers the new places when the capacity is raised, and shows staff the lines with names', async () => {
    await setRules({});
    const id = await area(1);
    const [a, b, c, d] = [await gym.person(), await gym.person(), await gym.person(), await gym.person()];
    await book(a.token, id);
    const entries = [(await join(b.token, id)).body.data.id, (await join(c.token, id)).body.data.id, (await join(d.token, id)).body.data.id] as string[];
    const queues = await gym.call('GET', `/api/waitlist/queues?date=${day}&area_id=${id}`, { token: gym.tokens.trainer });
    expect(queues.body.data).toMatchObject([{ area_id: id, start_time: '10:00', entries: [{ username: b.username, position: 1 }, { username: c.username, position: 2 }, { username: d.username, position: 3 }] }]);
    expect((await gym.call('GET', '/api/waitlist/queues', { token: b.token })).status).toBe(403);

    expect((await gym.call('PATCH', `/api/areas/${id}`, { token: gym.tokens.owner, body: { booking_capacity: 3 } })).status).toBe(200);
    const statuses = await Promise.all([b, c, d].map(async (p, i) => (await entryOf(p.token, entries[i]!))!.status));
    expect(statuses).toEqual(['offered', 'offered', 'waiting']);
    const after = await gym.call('GET', `/api/waitlist/queues?date=${day}&area_id=${id}`, { token: gym.tokens.owner });
    expect(after.body.data[0].entries.map((e: { status: string }) => e.status)).toEqual(['offered', 'offered', 'waiting']);
  });

  it("gives a deactivated member's place and offer to the next in line", async () => {
    await setRules({});
    const id = await area();
    const [a, b, c] = [await gym.person(), await gym.person(), await gym.person()];
    await book(a.token, id);
    const eb = (await join(b.token, id)).body.data.id as string;
    const ec = (await join(c.token, id)).body.data.id as string;
    expect((await gym.call('DELETE', `/api/members/${a.id}`, { token: gym.tokens.owner })).status).toBe(200);
    const statusOf = async (entry: string) => (await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('waitlist_entries').where({ id: entry }).first('status'))).status;
    expect(await statusOf(eb)).toBe('offered');
    expect((await gym.call('DELETE', `/api/members/${b.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect([await statusOf(eb), await statusOf(ec)]).toEqual(['left', 'offered']);
  });

  it('refuses in the database a confirmed booking on a held place', async () => {
    await setRules({});
    const id = await area();
    const [a, b, c] = [await gym.person(), await gym.person(), await gym.person()];
    const booked = await book(a.token, id);
    await join(b.token, id);
    await cancel(a.token, booked.body.data.booking.id);
    const held = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ gym_area_id: id, status: 'held' }).first());
    const insert = gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').insert({
      tenant_id: gym.demo, user_id: c.id, gym_area_id: id, booking_date: held.booking_date, start_time: held.start_time, duration: 30,
      starts_at: held.starts_at, ends_at: held.ends_at, place: held.place, price_cents: 0,
    }));
    await expect(insert).rejects.toThrow(/bookings_no_overbooking/);
  });
});
