/**
 * A fast-check model of one slot with its waitlist: random sequences of book, cancel, join, accept,
 * decline, leave and expire against the real API, and after every step the database must equal the
 * model: who holds a confirmed place, who holds an offer, every entry's status and the line's order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGym, type GymFixture } from '../support/gym.js';
import { expireWaitlistHolds } from '../../backend/src/modules/waitlist/waitlist.jobs.js';
import { athensDay, openArea, people, type Person } from './support/people.js';
import { report } from './support/figures.js';

const MEMBERS = 5;
const CAPACITY = 2;
const OPS = ['book', 'cancel', 'join', 'accept', 'decline', 'leave', 'expire'] as const;
type Op = (typeof OPS)[number];

interface Entry { id: string; member: number; status: 'waiting' | 'offered' | 'accepted' | 'declined' | 'expired' | 'left' }
interface Model { confirmed: Map<number, string>; entries: Entry[] }

const latest = (m: Model, member: number) => m.entries.filter((e) => e.member === member).at(-1);
const holds = (m: Model) => m.entries.filter((e) => e.status === 'offered').length;
const free = (m: Model) => CAPACITY - m.confirmed.size - holds(m);
/** What the database does when places free: the head of the line gets each, in order. */
function offerOn(m: Model): void {
  for (const e of m.entries) if (free(m) > 0 && e.status === 'waiting') e.status = 'offered';
}

describe('the waitlist against its model', () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym(); }, 60_000);
  afterAll(async () => gym?.stop());

  it('keeps the database equal to the model after every step', async () => {
    let runs = 0;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...OPS), fc.nat(MEMBERS - 1)), { minLength: 5, maxLength: 40 }), async (script) => {
        runs++;
        const uow = gym.server.deps.uow;
        const area = await openArea(uow, gym.demo, { booking_capacity: CAPACITY, capacity: 50 });
        const members: Person[] = await people(uow, gym.server.config.jwt, gym.demo, MEMBERS);
        const slot = { room_id: area.id, date: athensDay(5), time: '10:00' };
        const model: Model = { confirmed: new Map(), entries: [] };
        const call = (method: string, path: string, who: number, body?: unknown) =>
          gym.call(method, path, { token: members[who]!.token, ...(body ? { body } : {}) });

        for (const [op, who] of script) {
          steps++;
          await step(op, who);
          const db = await snapshot();
          const want = {
            confirmed: [...model.confirmed.keys()].map((i) => members[i]!.id).sort(),
            held: model.entries.filter((e) => e.status === 'offered').map((e) => members[e.member]!.id).sort(),
            entries: model.entries.map((e) => ({ id: e.id, status: e.status })),
          };
          expect({ after: `${op} by ${who}`, ...db }).toEqual({ after: `${op} by ${who}`, ...want });
        }

        async function step(op: Op, who: number): Promise<void> {
          const entry = latest(model, who);
          switch (op) {
            case 'book': {
              const res = await call('POST', '/api/book-room', who, slot);
              const ok = !model.confirmed.has(who) && free(model) > 0;
              expect(res.status, `book by ${who}`).toBe(ok ? 201 : 409);
              if (ok) model.confirmed.set(who, res.body.data.booking.id);
              return;
            }
            case 'cancel': {
              const id = model.confirmed.get(who);
              if (!id) return;
              expect((await call('POST', '/api/cancel-booking', who, { booking_id: id })).status).toBe(200);
              model.confirmed.delete(who);
              offerOn(model);
              return;
            }
            case 'join': {
              const res = await call('POST', '/api/waitlist', who, slot);
              const open = entry && (entry.status === 'waiting' || entry.status === 'offered');
              const code = model.confirmed.has(who) || entry?.status === 'offered' ? 'slot_unavailable' : open ? 'already_exists' : free(model) > 0 ? 'slot_available' : null;
              if (code) {
                expect(res.body.data.code, `join by ${who}`).toBe(code);
              } else {
                expect(res.status).toBe(201);
                expect(res.body.data.position).toBe(model.entries.filter((e) => e.status === 'waiting' || e.status === 'offered').length + 1);
                model.entries.push({ id: res.body.data.id, member: who, status: 'waiting' });
              }
              return;
            }
            case 'accept': {
              if (!entry) return;
              const res = await call('POST', `/api/waitlist/${entry.id}/accept`, who);
              if (entry.status !== 'offered') return void expect(res.body.data.code).toBe('offer_unavailable');
              if (model.confirmed.has(who)) return void expect(res.body.data.code).toBe('slot_unavailable');
              expect(res.status).toBe(201);
              entry.status = 'accepted';
              model.confirmed.set(who, res.body.data.booking.id);
              return;
            }
            case 'decline':
            case 'leave': {
              if (!entry) return;
              const res = op === 'decline' ? await call('POST', `/api/waitlist/${entry.id}/decline`, who) : await call('DELETE', `/api/waitlist/${entry.id}`, who);
              const allowed = op === 'decline' ? entry.status === 'offered' : entry.status === 'waiting' || entry.status === 'offered';
              if (!allowed) return void expect(res.body.data.code).toBe('offer_unavailable');
              expect(res.status).toBe(200);
              entry.status = op === 'decline' ? 'declined' : 'left';
              offerOn(model);
              return;
            }
            case 'expire': {
              if (entry?.status !== 'offered') return;
              await uow.inTenant(gym.demo, ({ trx }) => trx('waitlist_entries').where({ id: entry.id }).update({ hold_until: trx.raw("now() - interval '1 second'") }));
              // The pass runs once per cluster: the server's own round may be the one that expires it.
              await expect.poll(async () => {
                await expireWaitlistHolds(gym.server.deps);
                return (await uow.inTenant(gym.demo, ({ trx }) => trx('waitlist_entries').where({ id: entry.id }).first('status'))).status;
              }).toBe('expired');
              entry.status = 'expired';
              offerOn(model);
              return;
            }
          }
        }

        async function snapshot() {
          return uow.inTenant(gym.demo, async ({ trx }) => {
            const bookings = await trx('bookings').where({ gym_area_id: area.id }).whereIn('status', ['confirmed', 'held']).select('user_id', 'status');
            const entries = await trx('waitlist_entries').where({ gym_area_id: area.id }).orderBy('position').select('id', 'status');
            return {
              confirmed: bookings.filter((b) => b.status === 'confirmed').map((b) => b.user_id as string).sort(),
              held: bookings.filter((b) => b.status === 'held').map((b) => b.user_id as string).sort(),
              entries,
            };
          });
        }
      }),
      { numRuns: 40, endOnFailure: true },
    );
    report('waitlist model', { runs, steps });
  }, 240_000);
});
