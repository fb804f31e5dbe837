import type { Booking as BookingAnswer, BookingDetails, BookingStatus } from '../../contracts/bookings.js';
import type { BookingEventView } from '../../contracts/events.js';
import type { Booking } from './booking.model.js';
import { fromCents } from '../../contracts/money.js';

export type { BookingStatus };

/** A booking as the API answers it: with the area's and the person's names when the query joined them. */
export type BookingView = BookingAnswer & Partial<Omit<BookingDetails, keyof BookingAnswer>>;

/** Columns a booking view is built from (with the optional joined names). */
export const BOOKING_COLUMNS = [
  'bookings.id', 'bookings.gym_area_id', 'bookings.user_id', 'bookings.booking_date', 'bookings.start_time',
  'bookings.duration', 'bookings.starts_at', 'bookings.ends_at', 'bookings.trainer', 'bookings.trainer_id',
  'bookings.price_cents', 'bookings.status', 'bookings.created_at', 'bookings.cancelled_at',
];

/**
 * A booking row as the model reads it, or as `book_room()` answers it in JSON (timestamps as text),
 * with the area's and the person's names when the query joined them.
 */
export type BookingRow = Pick<Booking, 'id' | 'gym_area_id' | 'user_id' | 'booking_date' | 'start_time' | 'duration' | 'trainer' | 'trainer_id' | 'price_cents' | 'status'> & {
  starts_at: Date | string;
  ends_at: Date | string;
  created_at: Date | string;
  cancelled_at: Date | string | null;
  area_name_en?: string;
  area_name_el?: string;
  username?: string;
  full_name?: string | null;
};

const iso = (v: Date | string): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** `currency`: the tenant's (tenant-clock.ts), which every amount is in. */
export function bookingView(row: BookingRow, currency: string): BookingView {
  const view: BookingView = {
    id: row.id,
    area_id: row.gym_area_id,
    user_id: row.user_id,
    date: row.booking_date,
    start_time: row.start_time.slice(0, 5),
    duration: row.duration,
    starts_at: iso(row.starts_at),
    ends_at: iso(row.ends_at),
    trainer: row.trainer ?? null,
    trainer_id: row.trainer_id ?? null,
    price: fromCents(row.price_cents),
    currency,
    status: row.status,
    created_at: iso(row.created_at),
    cancelled_at: row.cancelled_at ? iso(row.cancelled_at) : null,
  };
  if (row.area_name_en !== undefined) Object.assign(view, { area_name_en: row.area_name_en, area_name_el: row.area_name_el });
  if (row.username !== undefined) Object.assign(view, { username: row.username, full_name: row.full_name ?? null });
  return view;
}

/** The event form (docs/realtime.md); the publisher strips user_id for everyone but staff and the booker. */
export function bookingEventView(b: Pick<BookingView, keyof BookingEventView>): BookingEventView {
  return { id: b.id, area_id: b.area_id, date: b.date, start_time: b.start_time, duration: b.duration, status: b.status, user_id: b.user_id };
}
