import { fromCents } from '../../contracts/money.js';
import type { SlotGrid as SlotGridView } from '../../contracts/slots.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { notFound, unprocessable } from '../../http/errors.js';
import { Area } from '../areas/area.model.js';
import { WaitlistEntry } from '../waitlist/waitlist-entry.model.js';
import { Booking } from '../bookings/booking.model.js';
import { buildSlotGrid, localDate } from './slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from './tenant-clock.js';

/** The day's slots of a bookable area with what is left of each; no personal data (displays read it). */
export async function availableSlots(
  deps: { uow: UnitOfWork; clock?: Clock },
  tenantId: string,
  areaId: string,
  date?: string,
  callerId: string | null = null,
): Promise<SlotGridView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(tenantId, async (scope) => {
    const area = await scope.query(Area).findById(areaId);
    if (!area) throw notFound();
    if (!area.is_bookable) throw unprocessable('area_not_bookable');
    const calendar = await tenantCalendar(scope.trx, tenantId);
    const day = date ?? localDate(now, calendar.zone);
    const grid = buildSlotGrid({ date: day, zone: calendar.zone, hours: area.opening_hours ?? calendar.openingHours, slotMinutes: area.slot_minutes });
    const booked = grid.length
      ? await scope.query(Booking)
        .where({ gym_area_id: areaId }).whereIn('status', ['confirmed', 'held'])
        .where('starts_at', '<', grid.at(-1)!.endsAt)
        .where('ends_at', '>', grid[0]!.startsAt)
        .select('starts_at', 'ends_at', 'user_id')
      : [];
    const lines = await scope.query(WaitlistEntry).where({ gym_area_id: areaId, booking_date: day }).whereIn('status', ['waiting', 'offered'])
      .select('id', 'starts_at', 'user_id', 'position', 'status').orderBy('position');
    const slots = grid.map((s) => {
      const line = lines.filter((w) => w.starts_at.getTime() === s.startsAt.getTime());
      const mineAt = line.findIndex((w) => w.user_id === callerId);
      const overlapping = booked.filter((b) => b.starts_at < s.endsAt && b.ends_at > s.startsAt);
      const remaining = Math.max(0, area.booking_capacity - overlapping.length);
      return {
        start: s.start,
        end: s.end,
        starts_at: s.startsAt.toISOString(),
        ends_at: s.endsAt.toISOString(),
        remaining,
        available: remaining > 0 && s.startsAt > now,
        mine: callerId !== null && overlapping.some((b) => b.user_id === callerId),
        waitlist: line.length,
        my_waitlist: mineAt < 0 ? null : { id: line[mineAt]!.id, position: mineAt + 1, status: line[mineAt]!.status as 'waiting' | 'offered' },
      };
    });
    return {
      area_id: areaId,
      date: day,
      timezone: calendar.zone,
      slot_minutes: area.slot_minutes,
      booking_capacity: area.booking_capacity,
      price_per_hour: fromCents(area.price_per_hour_cents),
      currency: calendar.currency,
      slots,
    };
  });
}
