/**
 * Booking and cancelling. The exclusion constraints on `place` and per user are the guarantee; bookings
 * of one slot queue on a lock of that slot alone, so bookings of other slots and areas never wait.
 */
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import type { TenantAuth } from '../../http/auth-context.js';
import { seesWholeGym } from '../../http/auth-context.js';
import { fromCents, isCentsAmount, priceFor, toCents } from '../../contracts/money.js';
import { isUuid } from '../../contracts/common.js';
import type { EventPayloads, EventType } from '../../contracts/events.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { selectCall } from '../../db/sql-call.js';
import { sqlLiteral } from '../../db/database.js';
import { AppError, conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { buildSlotGrid, localDate, pickSlots } from '../slots/slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { User } from '../members/user.model.js';
import { BOOKING_COLUMNS, bookingEventView, bookingView, type BookingRow, type BookingView } from './booking-view.js';
import { Booking } from './booking.model.js';
import type { BookableArea, BookableAreas } from './bookable-areas.js';
import type { BookRoomInput } from '../../contracts/bookings.js';
import { offerFreedPlaces } from '../waitlist/waitlist.offers.js';
import { applyNoShowRule, checkRequest, isLate, lockMember, refusalError, rulesIn, type RuleRefusal } from './booking-rules.js';

export interface BookingDeps {
  uow: UnitOfWork;
  bookableAreas: BookableAreas;
  clock?: Clock;
}

/** Staff, and API keys with bookings:write (the route checked the scope), book and cancel for anyone of the gym. */
const isStaff = (auth: TenantAuth) => seesWholeGym(auth);

/**
 * Books a slot in one statement (book_room(), db/migrations/*_book_room.ts): the member's lock, the
 * rules, the slot's lock and place, and the booking's events. What depends on the request alone is
 * checked here first, from this process's copy of the area (bookable-areas.ts); a copy the area has
 * outgrown is answered `stale` and the area read again.
 */
export async function bookRoom(deps: BookingDeps, auth: TenantAuth, input: BookRoomInput): Promise<{ booking: BookingView }> {
  const now = (deps.clock ?? systemClock)();
  const userId = input.user_id ?? auth.userId;
  // An API key is nobody: it books for the member it names.
  if (!userId && auth.apiKey) throw new ZodError([{ code: 'custom', path: ['user_id'], message: 'field.required', input: undefined }]);
  if (!userId) throw forbidden();
  if (userId !== auth.userId && !isStaff(auth)) throw forbidden();
  const trainer = input.trainer ? await trainerOf(deps.uow, auth.tenantId, input.trainer) : { name: null, id: null };

  for (let attempt = 1; ; attempt++) {
    const area = await deps.bookableAreas.get(deps.uow, auth.tenantId, input.room_id);
    if (!area) throw notFound({ field: 'room_id' });
    const planned = plan(area, input, now);
    const id = randomUUID();
    const events = bookingEvents({ id, userId, areaId: area.id, date: planned.date, time: input.time, duration: planned.duration });
    const call = selectCall('book_room', [
      id, area.version, { json: events }, area.id, userId, planned.date, input.time, planned.duration, planned.startsAt, planned.endsAt,
      trainer.name, trainer.id, planned.priceCents, now, { json: area.rules },
    ]);
    try {
      return await deps.uow.statementInTenant(auth.tenantId, call, (rows) => {
        const { result: outcome } = rows[0] as { result: PlaceOutcome };
        if (outcome.outcome !== 'booked') throw refusal(outcome, userId === auth.userId);
        return { value: { booking: bookingView(outcome.booking, area.calendar.currency) }, appended: true };
      });
    } catch (err) {
      if (!(err instanceof StaleArea) || attempt > 1) throw err;
      deps.bookableAreas.forget(auth.tenantId, area.id);
    }
  }
}

/** book_room() found the area changed since this process's copy of it was read. */
class StaleArea extends AppError {
  constructor() {
    // Changed twice while booking: rare enough to ask the client to try again.
    super(409, 'conflict', { details: { reason: 'area_changed' } });
  }
}

/** The slot, length and price of a request for this area, or why the request is wrong by itself. */
function plan(area: BookableArea, input: BookRoomInput, now: Date) {
  if (!area.is_bookable) throw unprocessable('area_not_bookable');
  const { calendar } = area;
  const date = input.date ?? localDate(now, calendar.zone);
  const duration = input.duration ?? area.slot_minutes;
  const grid = buildSlotGrid({ date, zone: calendar.zone, hours: area.opening_hours ?? calendar.openingHours, slotMinutes: area.slot_minutes });
  const pick = pickSlots(grid, input.time, duration);
  if (!pick.ok) {
    if (pick.reason === 'off_grid') throw unprocessable('unprocessable', { reason: 'off_grid', slot_minutes: area.slot_minutes });
    throw unprocessable('outside_opening_hours');
  }
  if (pick.startsAt <= now) throw unprocessable('slot_in_past');
  checkRequest(area.rules, area, duration, pick.startsAt, now);
  const priceCents = priceFor(area.price_per_hour_cents, duration);
  // Compared in cents, exactly: a client price that is not a whole number of cents differs too.
  if (input.price !== undefined && !(isCentsAmount(input.price) && toCents(input.price) === priceCents)) {
    throw unprocessable('price_mismatch', { price: fromCents(priceCents), currency: calendar.currency });
  }
  return { date, duration, startsAt: pick.startsAt, endsAt: pick.endsAt, priceCents };
}

const event = <T extends EventType>(type: T, payload: EventPayloads[T]) => ({ type, payload });

/** What a new booking records, as scope.record would: the booking (in its event form) and its slot's change. */
function bookingEvents(b: { id: string; userId: string; areaId: string; date: string; time: string; duration: number }) {
  return [
    event('booking:created', {
      booking: bookingEventView({ id: b.id, area_id: b.areaId, date: b.date, start_time: b.time, duration: b.duration, status: 'confirmed', user_id: b.userId }),
    }),
    event('slots:changed', { area_id: b.areaId, date: b.date }),
  ];
}

/** A trainer's id or username links the booking to them; anything else is kept as a plain name. */
async function trainerOf(uow: UnitOfWork, tenantId: string, given: string): Promise<{ name: string | null; id: string | null }> {
  // A read of its own, not a transaction: an idempotent request's key goes with the booking's.
  const [found] = await uow.statementInScope<Pick<User, 'id' | 'username' | 'full_name'>>(tenantId, `
    select id, username, full_name from users
      where tenant_id = ${sqlLiteral(tenantId)} and active and role in ('trainer', 'owner')
        and ${isUuid(given) ? `id = ${sqlLiteral(given)}` : `username = ${sqlLiteral(given)}`}
      limit 1`);
  if (found) return { name: found.full_name ?? found.username, id: found.id };
  if (isUuid(given)) throw unprocessable('unprocessable', { field: 'trainer', reason: 'unknown_trainer' });
  return { name: given, id: null };
}

function refusal(outcome: Exclude<PlaceOutcome, { outcome: 'booked' }>, own: boolean) {
  switch (outcome.outcome) {
    case 'blocked':
    case 'limit_reached':
      return refusalError(outcome);
    case 'overlaps_own':
      return conflict('slot_unavailable', { reason: 'overlaps_own_booking', booking_id: outcome.booking_id });
    case 'full':
      return conflict('slot_unavailable');
    case 'no_member':
      return own ? forbidden() : notFound({ field: 'user_id' });
    case 'stale':
      return new StaleArea();
  }
}

type PlaceOutcome =
  | { outcome: 'booked'; booking: BookingRow }
  | { outcome: 'full' }
  | { outcome: 'overlaps_own'; booking_id: string }
  | { outcome: 'stale' }
  | { outcome: 'no_member' }
  | RuleRefusal;

/**
 * Members cancel their own future bookings (anyone else's is a 404); staff cancel any in the tenant. A
 * member cancelling inside the gym's window makes it `late_cancelled`, which counts like a no-show.
 * The freed place goes to the slot's waitlist.
 */
export async function cancelBooking(deps: BookingDeps, auth: TenantAuth, bookingId: string): Promise<BookingView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    // The member's row first, as every change of their bookings takes it (booking-rules.ts).
    const owner = await scope.query(Booking).select('user_id').findById(bookingId);
    if (!owner || (!isStaff(auth) && owner.user_id !== auth.userId)) throw notFound();
    const member = await lockMember(scope, owner.user_id);
    const current = await scope.query(Booking).select('user_id', 'status', 'starts_at').forUpdate().findById(bookingId);
    if (!current || !member) throw notFound();
    if (current.status !== 'confirmed') throw conflict('conflict', { status: current.status });
    if (!isStaff(auth) && current.starts_at <= now) throw unprocessable('slot_in_past');
    const rules = await rulesIn(scope);
    const late = !isStaff(auth) && isLate(rules, current.starts_at, now);
    const [row] = await scope.query(Booking).where({ id: bookingId })
      .patch({ status: late ? 'late_cancelled' : 'cancelled', cancelled_at: now })
      .returning(BOOKING_COLUMNS);
    if (late) await applyNoShowRule(scope, member, rules, now);
    const booking = bookingView(row!, (await tenantCalendar(scope.trx, auth.tenantId)).currency);
    scope.record('booking:cancelled', { booking: bookingEventView(booking) });
    scope.record('slots:changed', { area_id: booking.area_id, date: booking.date });
    await offerFreedPlaces(scope, rules, now, { areaId: booking.area_id, from: new Date(booking.starts_at), to: new Date(booking.ends_at) });
    return booking;
  });
}

/**
 * Staff close a booking that has started: attended (`completed`) or not (`no_show`, which counts
 * towards the no-show rule). Either frees the rest of the slot, so the grid changes and the waitlists
 * of what is left of it get offers.
 */
export async function markBooking(deps: BookingDeps, auth: TenantAuth, bookingId: string, status: 'completed' | 'no_show'): Promise<BookingView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const owner = await scope.query(Booking).select('user_id').findById(bookingId);
    if (!owner) throw notFound();
    const member = await lockMember(scope, owner.user_id);
    const current = await scope.query(Booking).select('status', 'starts_at').forUpdate().findById(bookingId);
    if (!current || !member) throw notFound();
    if (current.status !== 'confirmed') throw conflict('conflict', { status: current.status });
    if (current.starts_at > now) throw unprocessable('unprocessable', { reason: 'not_started' });
    const [row] = await scope.query(Booking).where({ id: bookingId }).patch({ status }).returning(BOOKING_COLUMNS);
    const rules = await rulesIn(scope);
    if (status === 'no_show') await applyNoShowRule(scope, member, rules, now);
    const booking = bookingView(row!, (await tenantCalendar(scope.trx, auth.tenantId)).currency);
    scope.record('slots:changed', { area_id: booking.area_id, date: booking.date });
    await offerFreedPlaces(scope, rules, now, { areaId: booking.area_id, from: now, to: new Date(booking.ends_at) });
    return booking;
  });
}
