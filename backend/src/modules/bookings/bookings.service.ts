/**
 * Booking and cancelling. The exclusion constraints on `place` and per user are the guarantee; bookings
 * of one slot queue on a lock of that slot alone, so bookings of other slots and areas never wait.
 */
import type { TenantAuth } from '../../http/auth-context.js';
import { seesWholeGym } from '../../http/auth-context.js';
import { fromCents, isCentsAmount, priceFor, toCents } from '../../contracts/money.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { ZodError } from 'zod';
import { conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { buildSlotGrid, localDate, pickSlots } from '../slots/slot-grid.js';
import { calendarOf, systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';
import { BOOKING_COLUMNS, bookingEventView, bookingView, type BookingRow, type BookingView } from './booking-view.js';
import { Booking } from './booking.model.js';
import type { BookRoomInput } from '../../contracts/bookings.js';
import { offerFreedPlaces } from '../waitlist/waitlist.offers.js';
import {
  applyNoShowRule, bookingRulesOf, checkRequest, isLate, lockMember, refusalError, rulesIn, rulesParameter, type RuleRefusal,
} from './booking-rules.js';

export interface BookingDeps {
  uow: UnitOfWork;
  clock?: Clock;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Staff, and API keys with bookings:write (the route checked the scope), book and cancel for anyone of the gym. */
const isStaff = (auth: TenantAuth) => seesWholeGym(auth);

export async function bookRoom(deps: BookingDeps, auth: TenantAuth, input: BookRoomInput): Promise<{ booking: BookingView }> {
  const now = (deps.clock ?? systemClock)();
  const userId = input.user_id ?? auth.userId;
  // An API key is nobody: it books for the member it names.
  if (!userId && auth.apiKey) throw new ZodError([{ code: 'custom', path: ['user_id'], message: 'field.required', input: undefined }]);
  if (!userId) throw forbidden();
  if (userId !== auth.userId && !isStaff(auth)) throw forbidden();

  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const { trx } = scope;
    // The area and the gym's calendar in one round trip.
    const area = (await scope.query(Area)
      .join('tenants', 'tenants.id', 'gym_areas.tenant_id')
      .select('gym_areas.*', 'tenants.settings as tenant_settings')
      .findById(input.room_id)) as (Area & { tenant_settings: Record<string, unknown> }) | undefined;
    if (!area) throw notFound({ field: 'room_id' });
    if (!area.is_bookable) throw unprocessable('area_not_bookable');

    const calendar = calendarOf(area.tenant_settings);
    const date = input.date ?? localDate(now, calendar.zone);
    const duration = input.duration ?? area.slot_minutes;
    const grid = buildSlotGrid({ date, zone: calendar.zone, hours: area.opening_hours ?? calendar.openingHours, slotMinutes: area.slot_minutes });
    const pick = pickSlots(grid, input.time, duration);
    if (!pick.ok) {
      if (pick.reason === 'off_grid') throw unprocessable('unprocessable', { reason: 'off_grid', slot_minutes: area.slot_minutes });
      throw unprocessable('outside_opening_hours');
    }
    if (pick.startsAt <= now) throw unprocessable('slot_in_past');
    const rules = bookingRulesOf(area.tenant_settings);
    checkRequest(rules, area, duration, pick.startsAt, now);

    const priceCents = priceFor(area.price_per_hour_cents, duration);
    // Compared in cents, exactly: a client price that is not a whole number of cents differs too.
    if (input.price !== undefined && !(isCentsAmount(input.price) && toCents(input.price) === priceCents)) {
      throw unprocessable('price_mismatch', { price: fromCents(priceCents), currency: calendar.currency });
    }

    if (userId !== auth.userId) {
      const member = await scope.query(User).select('id').where({ id: userId, active: true }).first();
      if (!member) throw notFound({ field: 'user_id' });
    }

    let trainer: string | null = null;
    let trainerId: string | null = null;
    if (input.trainer) {
      // A trainer's id or username links the booking to them; anything else is kept as a plain name.
      const staff = scope.query(User).select('id', 'username', 'full_name').where({ active: true }).whereIn('role', ['trainer', 'owner']);
      const t = await (UUID.test(input.trainer) ? staff.where({ id: input.trainer }) : staff.where({ username: input.trainer })).first();
      if (t) {
        trainerId = t.id;
        trainer = t.full_name ?? t.username;
      } else if (UUID.test(input.trainer)) {
        throw unprocessable('unprocessable', { field: 'trainer', reason: 'unknown_trainer' });
      } else {
        trainer = input.trainer;
      }
    }

    // The place is taken in the database (db/migrations/*_booking_rules.ts) under the member's lock and
    // the slot's, with the rules that count the member's other bookings, in one round trip.
    const { rows } = await trx.raw<{ rows: Array<{ result: PlaceOutcome }> }>('select book_place(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) as result', [
      area.id, userId, date, input.time, duration, pick.startsAt, pick.endsAt, trainer, trainerId, priceCents, now, rulesParameter(rules),
    ]);
    const outcome = rows[0]!.result;
    if (outcome.outcome === 'blocked' || outcome.outcome === 'limit_reached') throw refusalError(outcome);
    if (outcome.outcome === 'overlaps_own') throw conflict('slot_unavailable', { reason: 'overlaps_own_booking', booking_id: outcome.booking_id });
    if (outcome.outcome === 'full') throw conflict('slot_unavailable');
    const booking = bookingView(outcome.booking, calendar.currency);

    scope.record('booking:created', { booking: bookingEventView(booking) });
    scope.record('slots:changed', { area_id: booking.area_id, date: booking.date });
    return { booking };
  });
}

type PlaceOutcome =
  | { outcome: 'booked'; booking: BookingRow }
  | { outcome: 'full' }
  | { outcome: 'overlaps_own'; booking_id: string }
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
