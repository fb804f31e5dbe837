import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Takes a place for a booking in one round trip. The service has checked the slot against the grid and
 * priced it; this function refuses a member's overlapping booking, queues bookings of the same slot on a
 * lock of that slot alone (other slots and areas run side by side), and inserts the booking on the
 * lowest place no overlapping confirmed booking holds. A place that an overlapping booking of another
 * slot took meanwhile fails the exclusion constraint and the next place is tried (a deadlock between two
 * such inserts retries the same place). The exclusion constraints remain the guarantee.
 *
 * Answers {"outcome": "booked", "booking": {...}}, {"outcome": "full"} or
 * {"outcome": "overlaps_own", "booking_id": ...}.
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    CREATE FUNCTION book_place(p_area uuid, p_user uuid, p_date date, p_time time, p_duration int,
      p_starts timestamptz, p_ends timestamptz, p_trainer text, p_trainer_id uuid, p_price numeric)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      span tstzrange := tstzrange(p_starts, p_ends, '[)');
      own uuid;
      places int[];
      i int := 1;
      deadlocks int := 0;
      failed text;
      booked bookings;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'book_place needs a tenant context' USING ERRCODE = '42501'; END IF;
      SELECT b.id INTO own FROM bookings b WHERE b.user_id = p_user AND b.status = 'confirmed' AND b.period && span LIMIT 1;
      IF own IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'overlaps_own', 'booking_id', own); END IF;

      PERFORM pg_advisory_xact_lock(hashtextextended('booking:' || p_area || ':' || extract(epoch FROM p_starts), 0));
      -- A new statement after the lock: it sees what the slot's previous booker committed.
      SELECT coalesce(array_agg(g ORDER BY g), '{}') INTO places
        FROM gym_areas a, generate_series(1, a.booking_capacity) g
        WHERE a.id = p_area AND NOT EXISTS (
          SELECT 1 FROM bookings b
          WHERE b.gym_area_id = p_area AND b.place = g AND b.status = 'confirmed' AND b.period && span);

      WHILE i <= coalesce(array_length(places, 1), 0) LOOP
        BEGIN
          INSERT INTO bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at,
                                trainer, trainer_id, price, place)
            VALUES (t, p_user, p_area, p_date, p_time, p_duration, p_starts, p_ends, p_trainer, p_trainer_id, p_price, places[i])
            RETURNING * INTO booked;
          RETURN jsonb_build_object('outcome', 'booked', 'booking', to_jsonb(booked) - 'period');
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
      RETURN jsonb_build_object('outcome', 'full');
    END $f$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP FUNCTION IF EXISTS book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, numeric);`);
}
