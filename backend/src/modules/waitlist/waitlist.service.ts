/**
 * Waitlists of full slots (docs/http-api.md): members join, leave, accept or decline an offer; staff
 * see the lines. Positions and offers are handed out by the database under the slot's lock
 * (db/migrations/*_waitlists.ts), so offers go strictly in line order and a hold is a place like any
 * booking; accepting takes the member's lock and the same rules as booking (booking-rules.ts).
 */
import type { TenantAuth } from '../../http/auth-context.js';
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { conflict, forbidden, notFound, unprocessable } from '../../http/errors.js';
import { priceFor } from '../../contracts/money.js';
import type { JoinWaitlistInput, WaitlistEntry as EntryView, WaitlistQueue, WaitlistQueuesQuery } from '../../contracts/waitlist.js';
import { buildSlotGrid, pickSlots } from '../slots/slot-grid.js';
import { calendarOf, systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { Area } from '../areas/area.model.js';
import { Booking } from '../bookings/booking.model.js';
import { BOOKING_COLUMNS, bookingEventView, bookingView, type BookingView } from '../bookings/booking-view.js';
import { bookingRulesOf, checkRequest, lockMember, refusalError, rulesIn, rulesParameter, type RuleRefusal } from '../bookings/booking-rules.js';
import { WaitlistEntry } from './waitlist-entry.model.js';
import { releaseOffer } from './waitlist.offers.js';

export interface WaitlistDeps {
  uow: UnitOfWork;
  clock?: Clock;
}

const OPEN = ['waiting', 'offered'] as const;
/** Waitlists are people's: a token without a person (a wall display) has none. */
function personOf(auth: TenantAuth): string {
  if (!auth.userId) throw forbidden();
  return auth.userId;
}
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type EntryRow = WaitlistEntry & { area_name_en: string; area_name_el: string; ahead?: number | string | null };

function entryView(row: EntryRow): EntryView {
  const open = (OPEN as readonly string[]).includes(row.status);
  return {
    id: row.id, area_id: row.gym_area_id, area_name_en: row.area_name_en, area_name_el: row.area_name_el,
    date: row.booking_date, start_time: row.start_time.slice(0, 5), duration: row.duration, starts_at: iso(row.starts_at)!,
    status: row.status, position: open ? Number(row.ahead ?? 0) + 1 : null, offered_at: iso(row.offered_at),
    hold_until: iso(row.hold_until), booking_id: row.booking_id, created_at: iso(row.created_at)!,
  };
}

/** Entries with their area's names and how many open entries are ahead of each in its line. */
function entries(scope: TenantScope) {
  const ahead = scope.query(WaitlistEntry).alias('w2').count('*')
    .whereColumn('w2.gym_area_id', 'waitlist_entries.gym_area_id').whereColumn('w2.starts_at', 'waitlist_entries.starts_at')
    .whereColumn('w2.position', '<', 'waitlist_entries.position').whereIn('w2.status', OPEN).as('ahead');
  return scope.query(WaitlistEntry).joinRelated('area')
    .select('waitlist_entries.*', 'area.name_en as area_name_en', 'area.name_el as area_name_el', ahead);
}

async function oneEntry(scope: TenantScope, id: string): Promise<EntryView> {
  const row = (await entries(scope).where('waitlist_entries.id', id).first()) as EntryRow | undefined;
  if (!row) throw notFound();
  return entryView(row);
}

type JoinOutcome =
  | { outcome: 'joined'; entry: { id: string } }
  | { outcome: 'not_full' }
  | { outcome: 'already_waiting'; entry_id: string }
  | { outcome: 'overlaps_own'; booking_id: string };

/** Joins the line of a full slot: the same checks as booking it, except that the slot must be full. */
export async function joinWaitlist(deps: WaitlistDeps, auth: TenantAuth, input: JoinWaitlistInput): Promise<EntryView> {
  const now = (deps.clock ?? systemClock)();
  const userId = personOf(auth);
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const area = (await scope.query(Area)
      .join('tenants', 'tenants.id', 'gym_areas.tenant_id')
      .select('gym_areas.*', 'tenants.settings as tenant_settings')
      .findById(input.room_id)) as (Area & { tenant_settings: Record<string, unknown> }) | undefined;
    if (!area) throw notFound({ field: 'room_id' });
    if (!area.is_bookable) throw unprocessable('area_not_bookable');
    const calendar = calendarOf(area.tenant_settings);
    const duration = input.duration ?? area.slot_minutes;
    const grid = buildSlotGrid({ date: input.date, zone: calendar.zone, hours: area.opening_hours ?? calendar.openingHours, slotMinutes: area.slot_minutes });
    const pick = pickSlots(grid, input.time, duration);
    if (!pick.ok) {
      if (pick.reason === 'off_grid') throw unprocessable('unprocessable', { reason: 'off_grid', slot_minutes: area.slot_minutes });
      throw unprocessable('outside_opening_hours');
    }
    if (pick.startsAt <= now) throw unprocessable('slot_in_past');
    const rules = bookingRulesOf(area.tenant_settings);
    checkRequest(rules, area, duration, pick.startsAt, now);
    const member = await lockMember(scope, userId);
    if (member?.booking_blocked_until && member.booking_blocked_until > now) {
      throw refusalError({ outcome: 'blocked', until: member.booking_blocked_until.toISOString() });
    }
    const { rows } = await scope.trx.raw<{ rows: Array<{ result: JoinOutcome }> }>('select join_waitlist(?, ?, ?, ?, ?, ?, ?, ?) as result', [
      userId, area.id, input.date, input.time, duration, pick.startsAt, pick.endsAt, priceFor(area.price_per_hour_cents, duration),
    ]);
    const result = rows[0]!.result;
    if (result.outcome === 'not_full') throw conflict('slot_available');
    if (result.outcome === 'already_waiting') throw conflict('already_exists', { entry_id: result.entry_id });
    if (result.outcome === 'overlaps_own') throw conflict('slot_unavailable', { reason: 'overlaps_own_booking', booking_id: result.booking_id });
    scope.record('waitlist:changed', { area_id: area.id, date: input.date });
    return oneEntry(scope, result.entry.id);
  });
}

/** The caller's entries: open ones first, then the latest closed ones. */
export function myWaitlist(deps: WaitlistDeps, auth: TenantAuth): Promise<EntryView[]> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const rows = (await entries(scope).where('waitlist_entries.user_id', auth.userId)
      .where((q) => { void q.whereIn('waitlist_entries.status', OPEN).orWhere('waitlist_entries.starts_at', '>', now); })
      .orderBy('waitlist_entries.starts_at').limit(200)) as EntryRow[];
    return rows.map(entryView);
  });
}

/** Leaves a line (an open offer's place goes to the next in line); someone else's entry is a 404. */
export function leaveWaitlist(deps: WaitlistDeps, auth: TenantAuth, id: string): Promise<EntryView> {
  return close(deps, auth, id, 'left');
}

export function declineOffer(deps: WaitlistDeps, auth: TenantAuth, id: string): Promise<EntryView> {
  return close(deps, auth, id, 'declined');
}

async function close(deps: WaitlistDeps, auth: TenantAuth, id: string, status: 'left' | 'declined'): Promise<EntryView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const released = await releaseOffer(scope, await rulesIn(scope), now, id, auth.userId, status);
    if (!released.entry) {
      if (!released.current) throw notFound();
      throw conflict('offer_unavailable', { status: released.current.status });
    }
    return oneEntry(scope, id);
  });
}

/** Takes an offered place: the held booking becomes the member's, under the same rules as booking. */
export async function acceptOffer(deps: WaitlistDeps, auth: TenantAuth, id: string): Promise<{ booking: BookingView }> {
  const now = (deps.clock ?? systemClock)();
  const userId = personOf(auth);
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    await lockMember(scope, userId);
    const entry = await scope.query(WaitlistEntry).forUpdate().where({ id, user_id: userId }).first();
    if (!entry) throw notFound();
    if (entry.status !== 'offered' || !entry.booking_id || !entry.hold_until || entry.hold_until <= now) {
      throw conflict('offer_unavailable', { status: entry.status });
    }
    const rules = await rulesIn(scope);
    const { rows } = await scope.trx.raw<{ rows: Array<{ refusal: RuleRefusal | null }> }>('select booking_rule_refusal(?, ?, ?, ?, ?, ?) as refusal', [
      userId, entry.gym_area_id, entry.booking_date, entry.duration, now, rulesParameter(rules),
    ]);
    if (rows[0]!.refusal) throw refusalError(rows[0]!.refusal);
    const own = await scope.query(Booking).select('id').where({ user_id: userId, status: 'confirmed' })
      .where('starts_at', '<', entry.ends_at).where('ends_at', '>', entry.starts_at).first();
    if (own) throw conflict('slot_unavailable', { reason: 'overlaps_own_booking', booking_id: own.id });
    const [row] = await scope.query(Booking).where({ id: entry.booking_id, status: 'held' }).patch({ status: 'confirmed' }).returning(BOOKING_COLUMNS);
    if (!row) throw conflict('offer_unavailable');
    await scope.query(WaitlistEntry).findById(id).patch({ status: 'accepted', hold_until: null, closed_at: now });
    const booking = bookingView(row, (await tenantCalendar(scope.trx, auth.tenantId)).currency);
    scope.record('booking:created', { booking: bookingEventView(booking) });
    scope.record('slots:changed', { area_id: booking.area_id, date: booking.date });
    scope.record('waitlist:changed', { area_id: booking.area_id, date: booking.date });
    return { booking };
  });
}

/** Every open line ahead, or of one day (staff): who waits in which order and whose offer is open. */
export function waitlistQueues(deps: WaitlistDeps, auth: TenantAuth, query: WaitlistQueuesQuery): Promise<WaitlistQueue[]> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(WaitlistEntry).joinRelated('[area, user]').whereIn('waitlist_entries.status', OPEN)
      .select('waitlist_entries.*', 'area.name_en as area_name_en', 'area.name_el as area_name_el', 'user.username', 'user.full_name')
      .orderBy(['waitlist_entries.starts_at', 'area.name_en', 'waitlist_entries.position']);
    if (query.date) q.where('waitlist_entries.booking_date', query.date);
    else q.where('waitlist_entries.starts_at', '>', now).limit(2000);
    if (query.area_id) q.where('waitlist_entries.gym_area_id', query.area_id);
    const rows = (await q) as Array<EntryRow & { username: string; full_name: string | null }>;
    const queues = new Map<string, WaitlistQueue>();
    for (const r of rows) {
      const key = `${r.gym_area_id}/${new Date(r.starts_at).toISOString()}`;
      let line = queues.get(key);
      if (!line) {
        line = {
          area_id: r.gym_area_id, area_name_en: r.area_name_en, area_name_el: r.area_name_el, date: r.booking_date,
          start_time: r.start_time.slice(0, 5), starts_at: iso(r.starts_at)!, entries: [],
        };
        queues.set(key, line);
      }
      line.entries.push({
        id: r.id, user_id: r.user_id, username: r.username, full_name: r.full_name, position: line.entries.length + 1,
        status: r.status as 'waiting' | 'offered', hold_until: iso(r.hold_until),
      });
    }
    return [...queues.values()];
  });
}
