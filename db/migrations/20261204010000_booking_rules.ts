import type { Knex } from 'knex';
import { runScript } from './sql.js';
import { bookPlaceByDate, NEAR_DATES } from './20261203400000_book_place_by_date.js';

/**
 * The gym's booking rules (docs/http-api.md), enforced where the place is taken:
 * - bookings gain `late_cancelled` (cancelled inside the gym's window; counts like a no-show) and `held`
 *   (a place kept for a waitlist offer). A hold counts against the slot's capacity exactly like a
 *   confirmed booking: the overbooking exclusion, the place trigger and the free-place search all
 *   include it, so a hold can never overbook.
 * - areas may lower the gym's longest booking (`max_booking_minutes`); members carry a booking block
 *   (`booking_blocked_until`, set after too many no-shows; `booking_block_lifted_at` when staff lift it,
 *   so the no-shows before the lift no longer count).
 * - book_place() takes the rules and the service's clock: with rules it first locks the member's row
 *   (every booking of one member queues there, before the slot's lock), then checks the block, the
 *   active bookings and the day's minutes in exclusive rooms in new statements, which see what the
 *   member's previous request committed. 50 concurrent requests of one member cannot get around them.
 * - take_place() is the slot part (lock, lowest free place, insert) shared with waitlist offers.
 */
const OLD_BOOK_PLACE = 'book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint)';

/** take_place() as this migration creates it (CREATE FUNCTION …), for the migrations after it to build on. */
export function takePlace(): string {
  return `-- The slot's lock, then the lowest place no overlapping confirmed booking or hold takes; NULL when full.
    CREATE FUNCTION take_place(p_area uuid, p_user uuid, p_date date, p_time time, p_duration int,
      p_starts timestamptz, p_ends timestamptz, p_trainer text, p_trainer_id uuid, p_price_cents bigint, p_status text)
    RETURNS bookings LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      span tstzrange := tstzrange(p_starts, p_ends, '[)');
      places int[];
      i int := 1;
      deadlocks int := 0;
      failed text;
      booked bookings;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'take_place needs a tenant context' USING ERRCODE = '42501'; END IF;
      PERFORM pg_advisory_xact_lock(hashtextextended('booking:' || p_area || ':' || extract(epoch FROM p_starts), 0));
      -- A new statement after the lock: it sees what the slot's previous booker committed.
      SELECT coalesce(array_agg(g ORDER BY g), '{}') INTO places
        FROM gym_areas a, generate_series(1, a.booking_capacity) g
        WHERE a.tenant_id = t AND a.id = p_area AND NOT EXISTS (
          SELECT 1 FROM bookings b
          WHERE b.tenant_id = t AND b.gym_area_id = p_area AND ${NEAR_DATES} AND b.place = g AND b.status IN ('confirmed', 'held') AND b.period && span);
      WHILE i <= coalesce(array_length(places, 1), 0) LOOP
        BEGIN
          INSERT INTO bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at,
                                trainer, trainer_id, price_cents, place, status)
            VALUES (t, p_user, p_area, p_date, p_time, p_duration, p_starts, p_ends, p_trainer, p_trainer_id, p_price_cents, places[i], p_status)
            RETURNING * INTO booked;
          RETURN booked;
        EXCEPTION
          WHEN exclusion_violation THEN
            GET STACKED DIAGNOSTICS failed = CONSTRAINT_NAME;
            IF failed <> 'bookings_no_overbooking' THEN RAISE; END IF;
            i := i + 1;
          WHEN deadlock_detected THEN
            deadlocks := deadlocks + 1;
            IF deadlocks > 3 THEN RAISE; END IF;
        END;
      END LOOP;
      RETURN NULL;
    END $f$;`;
}

/** book_place() as this migration creates it (CREATE FUNCTION …), for the migrations after it to go back to. */
export function bookPlaceWithRules(): string {
  return `-- Answers {"outcome": "booked", "booking": {...}}, {"outcome": "full"}, {"outcome": "overlaps_own",
    -- "booking_id": ...}, {"outcome": "blocked", "until": ...} or {"outcome": "limit_reached", ...}.
    CREATE FUNCTION book_place(p_area uuid, p_user uuid, p_date date, p_time time, p_duration int,
      p_starts timestamptz, p_ends timestamptz, p_trainer text, p_trainer_id uuid, p_price_cents bigint,
      p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      own uuid;
      refusal jsonb;
      booked bookings;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'book_place needs a tenant context' USING ERRCODE = '42501'; END IF;
      -- Every booking of one member queues here, so the counts below cannot be raced past.
      PERFORM 1 FROM users u WHERE u.tenant_id = t AND u.id = p_user FOR NO KEY UPDATE;
      refusal := booking_rule_refusal(p_user, p_area, p_date, p_duration, p_now, p_rules);
      IF refusal IS NOT NULL THEN RETURN refusal; END IF;
      SELECT b.id INTO own FROM bookings b
        WHERE b.tenant_id = t AND b.user_id = p_user AND b.status = 'confirmed' AND b.period && tstzrange(p_starts, p_ends, '[)') LIMIT 1;
      IF own IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'overlaps_own', 'booking_id', own); END IF;
      booked := take_place(p_area, p_user, p_date, p_time, p_duration, p_starts, p_ends, p_trainer, p_trainer_id, p_price_cents, 'confirmed');
      IF booked.id IS NULL THEN RETURN jsonb_build_object('outcome', 'full'); END IF;
      RETURN jsonb_build_object('outcome', 'booked', 'booking', to_jsonb(booked) - 'period');
    END $f$;`;
}

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    DO $d$
    DECLARE c text;
    BEGIN
      SELECT conname INTO c FROM pg_constraint
        WHERE conrelid = 'bookings'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%cancelled_at IS NOT NULL%';
      EXECUTE format('ALTER TABLE bookings DROP CONSTRAINT %I', c);
    END $d$;
    ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
    ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
      CHECK (status IN ('confirmed', 'held', 'cancelled', 'late_cancelled', 'completed', 'no_show'));
    ALTER TABLE bookings ADD CONSTRAINT bookings_cancelled_at_check
      CHECK ((status IN ('cancelled', 'late_cancelled')) = (cancelled_at IS NOT NULL));
    ALTER TABLE bookings DROP CONSTRAINT bookings_no_overbooking;
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overbooking EXCLUDE USING gist
      (tenant_id WITH =, gym_area_id WITH =, place WITH =, period WITH &&) WHERE (status IN ('confirmed', 'held'));
    CREATE INDEX bookings_user_starts ON bookings (tenant_id, user_id, starts_at) WHERE status = 'confirmed';

    CREATE OR REPLACE FUNCTION check_booking_place() RETURNS trigger LANGUAGE plpgsql AS $f$
    DECLARE cap int; bookable boolean;
    BEGIN
      IF NEW.status NOT IN ('confirmed', 'held') THEN RETURN NEW; END IF;
      SELECT booking_capacity, is_bookable INTO cap, bookable FROM gym_areas
        WHERE tenant_id = NEW.tenant_id AND id = NEW.gym_area_id;
      IF cap IS NULL OR NOT bookable OR NEW.place > cap THEN
        RAISE EXCEPTION 'booking place % is outside the area''s booking capacity', NEW.place
          USING ERRCODE = '23514', CONSTRAINT = 'bookings_place_in_capacity';
      END IF;
      RETURN NEW;
    END $f$;

    ALTER TABLE gym_areas ADD COLUMN max_booking_minutes integer CHECK (max_booking_minutes BETWEEN 5 AND 1440);
    ALTER TABLE users ADD COLUMN booking_blocked_until timestamptz, ADD COLUMN booking_block_lifted_at timestamptz;

    DROP FUNCTION ${OLD_BOOK_PLACE};

    ${takePlace()}

    -- Which rule refuses this booking of a member whose row the caller has locked; NULL when none does.
    -- p_rules: {"max_active_bookings": int, "max_daily_exclusive_minutes": int}.
    CREATE FUNCTION booking_rule_refusal(p_user uuid, p_area uuid, p_date date, p_duration int, p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      blocked timestamptz;
      active int;
      exclusive boolean;
      used int;
      max_active int := (p_rules->>'max_active_bookings')::int;
      max_daily int := (p_rules->>'max_daily_exclusive_minutes')::int;
    BEGIN
      SELECT u.booking_blocked_until INTO blocked FROM users u WHERE u.tenant_id = t AND u.id = p_user;
      IF blocked > p_now THEN RETURN jsonb_build_object('outcome', 'blocked', 'until', blocked); END IF;
      SELECT count(*) INTO active FROM bookings b
        WHERE b.tenant_id = t AND b.user_id = p_user AND b.status = 'confirmed' AND b.starts_at > p_now;
      IF active >= max_active THEN
        RETURN jsonb_build_object('outcome', 'limit_reached', 'rule', 'active_bookings', 'limit', max_active);
      END IF;
      SELECT a.booking_capacity = 1 INTO exclusive FROM gym_areas a WHERE a.tenant_id = t AND a.id = p_area;
      IF exclusive THEN
        SELECT coalesce(sum(b.duration), 0) INTO used FROM bookings b
          JOIN gym_areas a ON a.tenant_id = b.tenant_id AND a.id = b.gym_area_id AND a.booking_capacity = 1
          WHERE b.tenant_id = t AND b.user_id = p_user AND b.booking_date = p_date AND b.status IN ('confirmed', 'completed', 'no_show');
        IF used + p_duration > max_daily THEN
          RETURN jsonb_build_object('outcome', 'limit_reached', 'rule', 'daily_exclusive_minutes', 'limit', max_daily, 'used', used);
        END IF;
      END IF;
      RETURN NULL;
    END $f$;

    ${bookPlaceWithRules()}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint, timestamptz, jsonb);
    DROP FUNCTION booking_rule_refusal(uuid, uuid, date, int, timestamptz, jsonb);
    DROP FUNCTION take_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint, text);
    ${bookPlaceByDate()}
    DELETE FROM bookings WHERE status = 'held';
    UPDATE bookings SET status = 'cancelled' WHERE status = 'late_cancelled';
    ALTER TABLE users DROP COLUMN booking_blocked_until, DROP COLUMN booking_block_lifted_at;
    ALTER TABLE gym_areas DROP COLUMN max_booking_minutes;
    DROP INDEX bookings_user_starts;
    ALTER TABLE bookings DROP CONSTRAINT bookings_no_overbooking;
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overbooking EXCLUDE USING gist
      (tenant_id WITH =, gym_area_id WITH =, place WITH =, period WITH &&) WHERE (status = 'confirmed');
    ALTER TABLE bookings DROP CONSTRAINT bookings_cancelled_at_check;
    ALTER TABLE bookings ADD CONSTRAINT bookings_cancelled_at_check CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));
    ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
    ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('confirmed', 'cancelled', 'completed', 'no_show'));
    CREATE OR REPLACE FUNCTION check_booking_place() RETURNS trigger LANGUAGE plpgsql AS $f$
    DECLARE cap int; bookable boolean;
    BEGIN
      IF NEW.status <> 'confirmed' THEN RETURN NEW; END IF;
      SELECT booking_capacity, is_bookable INTO cap, bookable FROM gym_areas
        WHERE tenant_id = NEW.tenant_id AND id = NEW.gym_area_id;
      IF cap IS NULL OR NOT bookable OR NEW.place > cap THEN
        RAISE EXCEPTION 'booking place % is outside the area''s booking capacity', NEW.place
          USING ERRCODE = '23514', CONSTRAINT = 'bookings_place_in_capacity';
      END IF;
      RETURN NEW;
    END $f$;
  `);
}
