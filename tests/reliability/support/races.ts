/**
 * The race for the last places of a slot: an area whose slot is nearly full, then `contenders`
 * different members book it at the same instant, spread over the given servers. Exactly the free
 * places must succeed; every other answer must be 409 slot_unavailable.
 */
import type { Config } from '../../../backend/src/config.js';
import type { UnitOfWork } from '../../../backend/src/db/unit-of-work.js';
import { athensDay, openArea, people } from './people.js';
import { raw } from './raw-http.js';

export interface RaceContext {
  uow: UnitOfWork;
  jwt: Config['jwt'];
  tenantId: string;
  url(i: number): string;
}

export interface RaceResult {
  capacity: number;
  free: number;
  successes: number;
  refused: number;
  /** Answers other than 201 and 409 slot_unavailable (5xx, dropped connections, other codes). */
  other: string[];
  /** Confirmed bookings of the slot in the database afterwards. */
  confirmed: number;
}

export async function raceForLastPlaces(ctx: RaceContext, options: { contenders: number; capacity: number; free: number; day: number }): Promise<RaceResult> {
  const area = await openArea(ctx.uow, ctx.tenantId, { booking_capacity: options.capacity });
  const date = athensDay(options.day);
  const taken = options.capacity - options.free;
  const crowd = await people(ctx.uow, ctx.jwt, ctx.tenantId, taken + options.contenders);
  const book = (token: string, i: number) =>
    raw(ctx.url(i), { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${token}` }, json: { room_id: area.id, date, time: '10:00' }, timeoutMs: 90_000 });
  for (let i = 0; i < taken; i++) {
    const res = await book(crowd[i]!.token, i);
    if (res.status !== 201) throw new Error(`setting up the race: ${res.status} ${res.text}`);
  }
  const contenders = crowd.slice(taken);
  const answers = await Promise.all(contenders.map((p, i) => book(p.token, i).catch((err: Error) => ({ status: 0, text: err.message, json: undefined }))));
  const result: RaceResult = { capacity: options.capacity, free: options.free, successes: 0, refused: 0, other: [], confirmed: 0 };
  for (const a of answers) {
    if (a.status === 201) result.successes++;
    else if (a.status === 409 && a.json?.data?.code === 'slot_unavailable') result.refused++;
    else result.other.push(`${a.status} ${a.text.slice(0, 160)}`);
  }
  result.confirmed = await ctx.uow.inTenant(ctx.tenantId, async ({ trx }) =>
    Number((await trx('bookings').where({ gym_area_id: area.id, booking_date: date, status: 'confirmed' }).count({ n: '*' }))[0]!.n),
  );
  return result;
}
