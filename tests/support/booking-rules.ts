/**
 * The gym's booking rules for tests that are about something else: the demo gyms of a test server get
 * rules wide enough that bookings far ahead, long ones and many of one member go through, and a
 * cancellation is never late. tests/api/booking-rules.test.ts puts the defaults back and tests them.
 */
import pg from 'pg';
import type { Knex } from 'knex';
import type { BookingRules } from '../../backend/src/contracts/booking-rules.js';

export const WIDE_BOOKING_RULES: BookingRules = {
  horizon_days: 366,
  max_booking_minutes: 1440,
  max_active_bookings: 10_000,
  max_daily_exclusive_minutes: 1440,
  cancellation_window_hours: 0,
  no_show_limit: 100,
  no_show_window_days: 30,
  block_days: 7,
  hold_minutes: 10,
  waitlist_auto_book: false,
};

const UPDATE = `UPDATE tenants SET settings = jsonb_set(settings, '{booking_rules}', $1::jsonb)`;

/** Through a platform-scope transaction of the server under test (either driver). */
export async function widenBookingRules(trx: Knex.Transaction, rules: BookingRules = WIDE_BOOKING_RULES): Promise<void> {
  await trx.raw(UPDATE.replace('$1', '?'), [JSON.stringify(rules)]);
}

/** Directly in a PostgreSQL database (for servers the test runs as processes), as its owner. */
export async function widenBookingRulesAt(databaseUrl: string, rules: BookingRules = WIDE_BOOKING_RULES): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(UPDATE, [JSON.stringify(rules)]);
  } finally {
    await client.end();
  }
}
