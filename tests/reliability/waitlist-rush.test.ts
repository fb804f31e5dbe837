/**
 * A rush on one full slot, on two servers: 200 members join its waitlist at once, then places free
 * one by one while outsiders keep trying to book it and offered members accept, decline or let their
 * offer run out, all at the same time. After every round the database must show: never more confirmed
 * bookings plus holds than the slot's capacity, offers strictly in line order, and every offer
 * taken, declined or expired exactly once (one offer per entry in the event log, one hold per open
 * offer, the accepted ones booked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoServers, type TwoServers } from './support/two-servers.js';
import { athensDay, openArea, people, type Person } from './support/people.js';
import { raw } from './support/raw-http.js';
import { report } from './support/figures.js';

const CAPACITY = 3;
const JOINERS = 200;
const ROUNDS = 30;

describe('a waitlist rush on one full slot', () => {
  let servers: TwoServers;
  beforeAll(async () => { servers = await startTwoServers(); }, 120_000);
  afterAll(async () => servers?.stop());

  it('offers strictly in line order, never over capacity, each offer ending exactly once', async () => {
    const { gym } = servers;
    const uow = gym.server.deps.uow;
    const tenant = gym.demo;
    const date = athensDay(4);
    const area = await openArea(uow, tenant, { booking_capacity: CAPACITY, capacity: 100 });
    const [holders, joiners, outsiders] = [
      await people(uow, gym.server.config.jwt, tenant, CAPACITY),
      await people(uow, gym.server.config.jwt, tenant, JOINERS),
      await people(uow, gym.server.config.jwt, tenant, 10),
    ];
    let calls = 0;
    const call = (method: string, path: string, who: Person, json?: unknown) =>
      raw(servers.url(calls++), { method, path, headers: { authorization: `Bearer ${who.token}` }, ...(json ? { json } : {}) });
    const slot = { room_id: area.id, date, time: '10:00' };

    const held = new Map<string, string>(); // member id -> booking id
    for (const h of holders) held.set(h.id, (await call('POST', '/api/book-room', h, slot)).json.data.booking.id);
    const joined = await Promise.all(joiners.map((j) => call('POST', '/api/waitlist', j, slot)));
    expect(joined.map((a) => a.status)).toEqual(Array(JOINERS).fill(201));
    // Joins queue on the slot's lock: each answer's place is its ticket, 1..200 without repeats.
    expect(joined.map((a) => a.json.data.position).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: JOINERS }, (_, i) => i + 1));
    const byId = new Map([...holders, ...joiners].map((p) => [p.id, p]));

    const problems: string[] = [];
    let outsiderBookings = 0;
    const stats = { accepts: 0, declines: 0, expiries: 0, cancels: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const offered = await uow.inTenant(tenant, ({ trx }) =>
        trx('waitlist_entries').where({ gym_area_id: area.id, status: 'offered' }).select('id', 'user_id'));
      const [leaving] = [...held.keys()].sort(() => Math.random() - 0.5);
      const work: Array<Promise<unknown>> = [];
      if (leaving) {
        stats.cancels++;
        const bookingId = held.get(leaving)!;
        held.delete(leaving);
        work.push(call('POST', '/api/cancel-booking', byId.get(leaving)!, { booking_id: bookingId }));
      }
      for (const o of outsiders.slice(0, 5)) {
        work.push(call('POST', '/api/book-room', o, slot).then((a) => { if (a.status === 201) outsiderBookings++; }));
      }
      for (const o of offered) {
        const member = byId.get(o.user_id)!;
        const choice = Math.random();
        if (choice < 0.5) {
          work.push(call('POST', `/api/waitlist/${o.id}/accept`, member).then((a) => {
            if (a.status === 201) { stats.accepts++; held.set(member.id, a.json.data.booking.id); }
          }));
        } else if (choice < 0.75) {
          work.push(call('POST', `/api/waitlist/${o.id}/decline`, member).then((a) => { if (a.status === 200) stats.declines++; }));
        } else {
          // Let it run out: the hold job (every few seconds, one process of the two) passes it on.
          stats.expiries++;
          work.push(uow.inTenant(tenant, ({ trx }) => trx('waitlist_entries').where({ id: o.id }).update({ hold_until: trx.raw("now() - interval '1 second'") })));
        }
      }
      await Promise.all(work);
      problems.push(...(await check(round)));
    }

    async function check(round: number): Promise<string[]> {
      return uow.inTenant(tenant, async ({ trx }) => {
        const found: string[] = [];
        // One statement, one snapshot: the hold job and the other server keep working while this reads.
        const { rows: [snap] } = await trx.raw<{ rows: Array<{ taking: number; entries: Array<{ id: string; user_id: string; position: number; status: string; booking_id: string | null }>; holds: Array<{ id: string; user_id: string }> }> }>(
          `select (select count(*)::int from bookings where gym_area_id = ? and status in ('confirmed', 'held')) as taking,
                  (select coalesce(json_agg(json_build_object('id', id, 'user_id', user_id, 'position', position, 'status', status, 'booking_id', booking_id)), '[]') from waitlist_entries where gym_area_id = ?) as entries,
                  (select coalesce(json_agg(json_build_object('id', id, 'user_id', user_id)), '[]') from bookings where gym_area_id = ? and status = 'held') as holds`,
          [area.id, area.id, area.id]);
        const { taking, entries, holds } = snap!;
        if (taking > CAPACITY) found.push(`round ${round}: ${taking} confirmed and held > ${CAPACITY}`);
        const reached = entries.filter((e) => e.status !== 'waiting').map((e) => e.position);
        const waiting = entries.filter((e) => e.status === 'waiting').map((e) => e.position);
        if (reached.length && waiting.length && Math.max(...reached) > Math.min(...waiting)) {
          found.push(`round ${round}: position ${Math.max(...reached)} reached before ${Math.min(...waiting)}`);
        }
        const open = entries.filter((e) => e.status === 'offered');
        if (holds.length !== open.length || open.some((e) => !holds.some((h) => h.id === e.booking_id && h.user_id === e.user_id))) {
          found.push(`round ${round}: ${holds.length} holds for ${open.length} open offers`);
        }
        for (const e of entries.filter((x) => x.status === 'accepted')) {
          const b = await trx('bookings').where({ id: e.booking_id }).first('status', 'user_id');
          if (!b || b.user_id !== e.user_id || !['confirmed', 'cancelled'].includes(b.status)) found.push(`round ${round}: accepted entry ${e.id} without its booking`);
        }
        const offers = await trx('events').where({ type: 'waitlist:offered' }).whereRaw("payload->>'area_id' = ?", [area.id]).orderBy('id').select('payload');
        const perEntry = new Map<string, number>();
        for (const { payload } of offers) perEntry.set(payload.entry_id, (perEntry.get(payload.entry_id) ?? 0) + 1);
        for (const [id, n] of perEntry) if (n > 1) found.push(`round ${round}: entry ${id} offered ${n} times`);
        const positions = offers.map(({ payload }) => entries.find((e) => e.id === payload.entry_id)!.position as number);
        if (positions.some((p, i) => i > 0 && p < positions[i - 1]!)) found.push(`round ${round}: offers out of line order ${positions.join(',')}`);
        return found;
      });
    }

    // The last expiries pass on within a few seconds; then everything has settled.
    await expect.poll(async () => uow.inTenant(tenant, async ({ trx }) =>
      Number((await trx('waitlist_entries').where({ gym_area_id: area.id, status: 'offered' }).where('hold_until', '<', trx.fn.now()).count({ n: '*' }))[0]!.n)), { timeout: 15_000 }).toBe(0);
    problems.push(...(await check(ROUNDS)));
    const final = await uow.inTenant(tenant, ({ trx }) => trx('waitlist_entries').where({ gym_area_id: area.id }).select('status'));
    const tally = Object.fromEntries(['waiting', 'offered', 'accepted', 'declined', 'expired'].map((s) => [s, final.filter((e) => e.status === s).length]));
    report('waitlist rush', { joiners: JOINERS, rounds: ROUNDS, ...stats, outsider_bookings: outsiderBookings, ...tally });
    expect(problems).toEqual([]);
    expect(outsiderBookings).toBe(0);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.declined! + tally.expired!).toBeGreaterThan(0);
  }, 240_000);
});
