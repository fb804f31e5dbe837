/**
 * The gym's booking rules (contracts/booking-rules.ts) where bookings are taken and given back. What
 * depends on the request alone (how far ahead, how long) is checked here; what depends on the member's
 * other bookings is checked by book_room() under a lock of the member's row
 * (db/migrations/*_booking_rules.ts), so concurrent requests of one member cannot get around it.
 * Everything that changes a member's standing (a late cancel, a no-show, staff lifting a block) takes
 * the same lock first.
 */
import type { TenantScope } from '../../db/unit-of-work.js';
import { notFound, unprocessable } from '../../http/errors.js';
import { bookingRulesOf, type BookingRules } from '../../contracts/booking-rules.js';
import { Tenant } from '../tenants/tenant.model.js';
import { User } from '../members/user.model.js';
import { Booking } from './booking.model.js';

export { bookingRulesOf, type BookingRules };

const DAY = 86_400_000;

export async function rulesIn(scope: TenantScope): Promise<BookingRules> {
  const row = await scope.query(Tenant).select('settings').findById(scope.tenantId);
  return bookingRulesOf(row?.settings);
}

/** The rules a booking request breaks by itself: its length (the area may be stricter) and how far ahead it is. */
export function checkRequest(rules: BookingRules, area: { max_booking_minutes: number | null }, duration: number, startsAt: Date, now: Date): void {
  const longest = Math.min(rules.max_booking_minutes, area.max_booking_minutes ?? Infinity);
  if (duration > longest) throw unprocessable('too_long', { field: 'duration', max_minutes: longest });
  if (startsAt.getTime() > now.getTime() + rules.horizon_days * DAY) {
    throw unprocessable('too_far_ahead', { field: 'date', max_days: rules.horizon_days });
  }
}

/** What book_room() answers when a rule refuses. */
export type RuleRefusal =
  | { outcome: 'blocked'; until: string }
  | { outcome: 'limit_reached'; rule: 'active_bookings' | 'daily_exclusive_minutes'; limit: number; used?: number };

export function refusalError(refusal: RuleRefusal) {
  if (refusal.outcome === 'blocked') return unprocessable('booking_blocked', { until: new Date(refusal.until).toISOString() });
  return unprocessable('booking_limit_reached', { rule: refusal.rule, limit: refusal.limit, ...(refusal.used === undefined ? {} : { used: refusal.used }) });
}

/** The rules as the waitlist functions read them. */
export const rulesParameter = (rules: BookingRules) => JSON.stringify(rules);

/** Locks a member's row: the queue every change of their bookings and standing waits in. */
export async function lockMember(scope: TenantScope, userId: string): Promise<User | undefined> {
  return scope.query(User).select('id', 'booking_blocked_until', 'booking_block_lifted_at').forNoKeyUpdate().findById(userId);
}

/** Whether a cancellation now of a booking starting at `startsAt` is late by the gym's window. */
export const isLate = (rules: BookingRules, startsAt: Date, now: Date) => startsAt.getTime() - now.getTime() < rules.cancellation_window_hours * 3_600_000;

/**
 * After a no-show or a late cancel of a member whose row the caller has locked: with the gym's limit
 * reached within its window (counting from the last lift), the member cannot book for `block_days`.
 */
export async function applyNoShowRule(scope: TenantScope, member: User, rules: BookingRules, now: Date): Promise<Date | null> {
  const windowStart = new Date(Math.max(now.getTime() - rules.no_show_window_days * DAY, member.booking_block_lifted_at?.getTime() ?? 0));
  const misses = await scope.query(Booking).where({ user_id: member.id })
    .where((q) => {
      void q.where({ status: 'no_show' }).where('starts_at', '>=', windowStart)
        .orWhere((late) => { void late.where({ status: 'late_cancelled' }).where('cancelled_at', '>=', windowStart); });
    })
    .resultSize();
  if (misses < rules.no_show_limit) return null;
  const until = new Date(now.getTime() + rules.block_days * DAY);
  if (member.booking_blocked_until && member.booking_blocked_until >= until) return member.booking_blocked_until;
  await scope.query(User).findById(member.id).patch({ booking_blocked_until: until });
  return until;
}

/** Staff lift a member's block; the misses before it stop counting. */
export async function liftBlock(scope: TenantScope, userId: string, now: Date): Promise<void> {
  const member = await lockMember(scope, userId);
  if (!member) throw notFound();
  await scope.query(User).findById(userId).patch({ booking_blocked_until: null, booking_block_lifted_at: now });
}
