/**
 * What a booking is computed from (the area's grid, price and limits, the gym's calendar and rules),
 * kept per process so that a booking needs no read of its own before it books. A copy is never
 * trusted: book_room() compares its version with the area's and gym's current one
 * (bookable_area_version, db/migrations/*_book_room.ts) and answers `stale` when they differ, and the
 * service reads the area again.
 */
import { LRUCache } from 'lru-cache';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { sqlLiteral } from '../../db/database.js';
import { bookingRulesOf, type BookingRules } from '../../contracts/booking-rules.js';
import { calendarOf, type TenantCalendar } from '../slots/tenant-clock.js';
import type { Area } from '../areas/area.model.js';

export type BookableArea = Pick<Area, 'id' | 'is_bookable' | 'slot_minutes' | 'price_per_hour_cents' | 'opening_hours' | 'max_booking_minutes'> & {
  calendar: TenantCalendar;
  rules: BookingRules;
  version: string;
};

export interface BookableAreas {
  /** The area as a booking needs it, from this process's copy or read now; null when the gym has no such area. */
  get(uow: UnitOfWork, tenantId: string, areaId: string): Promise<BookableArea | null>;
  /** Drops the copy (book_room() said it is stale). */
  forget(tenantId: string, areaId: string): void;
}

type Row = Omit<BookableArea, 'calendar' | 'rules'> & { settings: Record<string, unknown> };

export function createBookableAreas(max = 10_000): BookableAreas {
  // The TTL only frees memory: correctness comes from the version check.
  const copies = new LRUCache<string, BookableArea>({ max, ttl: 10 * 60_000 });
  return {
    async get(uow, tenantId, areaId) {
      const key = `${tenantId}/${areaId}`;
      const copy = copies.get(key);
      if (copy) return copy;
      const [row] = await uow.statementInScope<Row>(tenantId, `
        select a.id, a.is_bookable, a.slot_minutes, a.price_per_hour_cents, a.opening_hours, a.max_booking_minutes,
               t.settings, bookable_area_version(a.id) as version
          from gym_areas a join tenants t on t.id = a.tenant_id
          where a.tenant_id = ${sqlLiteral(tenantId)} and a.id = ${sqlLiteral(areaId)}`);
      if (!row) return null;
      const { settings, ...area } = row;
      const bookable: BookableArea = { ...area, calendar: calendarOf(settings), rules: bookingRulesOf(settings) };
      copies.set(key, bookable);
      return bookable;
    },
    forget(tenantId, areaId) {
      copies.delete(`${tenantId}/${areaId}`);
    },
  };
}
