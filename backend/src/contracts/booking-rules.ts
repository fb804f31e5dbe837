/**
 * The gym's booking rules (tenant settings, edited in the admin panel): how far ahead and how long a
 * booking may be, how many a member may hold, the cancellation window, the no-show block and the
 * waitlist's offers. The server enforces them where the place is taken (modules/bookings/booking-rules.ts).
 */
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const bookingRulesSchema = z
  .object({
    horizon_days: int(1, 366).meta({ description: 'How many days ahead a slot can be booked' }),
    max_booking_minutes: int(5, 1440).meta({ description: 'The longest booking; an area may set a shorter one' }),
    max_active_bookings: int(1, 10_000).meta({ description: 'Confirmed future bookings one member may hold' }),
    max_daily_exclusive_minutes: int(5, 1440).meta({ description: 'Minutes per member per day in exclusive rooms (booking capacity 1)' }),
    cancellation_window_hours: int(0, 168).meta({ description: 'Cancelling later than this before the start makes the booking late_cancelled' }),
    no_show_limit: int(1, 100).meta({ description: 'No-shows and late cancels within no_show_window_days that block booking' }),
    no_show_window_days: int(1, 365),
    block_days: int(1, 365).meta({ description: 'How long a member who reached the no-show limit cannot book' }),
    hold_minutes: int(1, 1440).meta({ description: 'How long a waitlist offer holds the place' }),
    waitlist_auto_book: z.boolean().meta({ description: 'Book the first in line at once instead of offering' }),
  })
  .strict()
  .meta({ id: 'BookingRules' });
export type BookingRules = z.infer<typeof bookingRulesSchema>;

export const DEFAULT_BOOKING_RULES: BookingRules = {
  horizon_days: 14,
  max_booking_minutes: 120,
  max_active_bookings: 8,
  max_daily_exclusive_minutes: 120,
  cancellation_window_hours: 2,
  no_show_limit: 3,
  no_show_window_days: 30,
  block_days: 7,
  hold_minutes: 10,
  waitlist_auto_book: false,
};

// Built once: deriving a schema is far dearer than parsing with it, and this runs on every booking.
const storedRulesSchema = bookingRulesSchema.partial();

/** The rules in a gym's settings, any missing one at its default (gyms older than a rule have none). */
export function bookingRulesOf(settings: { booking_rules?: Partial<BookingRules> } | Record<string, unknown> | undefined): BookingRules {
  const stored = (settings as { booking_rules?: unknown } | undefined)?.booking_rules;
  const parsed = storedRulesSchema.safeParse(stored ?? {});
  return { ...DEFAULT_BOOKING_RULES, ...(parsed.success ? parsed.data : {}) };
}
