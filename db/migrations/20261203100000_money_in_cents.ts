import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Money is integer cents: gym_areas.price_per_hour and bookings.price (numeric(10,2)) become
 * price_per_hour_cents and price_cents. The numeric values are exact decimals, so times 100 they are
 * whole and convert without rounding. bigint, because the largest hourly price the API takes
 * (99,999,999.99) is more cents than an integer holds, and a day of it more still.
 *
 * book_place() takes the price in cents; its body names the new column, so it is recreated (PL/pgSQL
 * is not checked against the columns until it runs). Going down restores the earlier price parameter.
 */
const MAX_PRICE_PER_HOUR_CENTS = 9_999_999_999;

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    ALTER TABLE gym_areas DROP CONSTRAINT gym_areas_price_per_hour_check;
    ALTER TABLE gym_areas RENAME COLUMN price_per_hour TO price_per_hour_cents;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour_cents DROP DEFAULT;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour_cents TYPE bigint USING (price_per_hour_cents * 100)::bigint;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour_cents SET DEFAULT 0;
    ALTER TABLE gym_areas ADD CONSTRAINT gym_areas_price_per_hour_cents_check
      CHECK (price_per_hour_cents BETWEEN 0 AND ${MAX_PRICE_PER_HOUR_CENTS});

    ALTER TABLE bookings DROP CONSTRAINT bookings_price_check;
    ALTER TABLE bookings RENAME COLUMN price TO price_cents;
    ALTER TABLE bookings ALTER COLUMN price_cents TYPE bigint USING (price_cents * 100)::bigint;
    ALTER TABLE bookings ADD CONSTRAINT bookings_price_cents_check CHECK (price_cents >= 0);

    DROP FUNCTION book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, numeric);
    ${bookPlace('p_price_cents bigint', 'price_cents', 'p_price_cents')}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint);

    ALTER TABLE bookings DROP CONSTRAINT bookings_price_cents_check;
    ALTER TABLE bookings ALTER COLUMN price_cents TYPE numeric(10, 2) USING price_cents / 100.0;
    ALTER TABLE bookings RENAME COLUMN price_cents TO price;
    ALTER TABLE bookings ADD CONSTRAINT bookings_price_check CHECK (price >= 0);

    ALTER TABLE gym_areas DROP CONSTRAINT gym_areas_price_per_hour_cents_check;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour_cents DROP DEFAULT;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour_cents TYPE numeric(10, 2) USING price_per_hour_cents / 100.0;
    ALTER TABLE gym_areas RENAME COLUMN price_per_hour_cents TO price_per_hour;
    ALTER TABLE gym_areas ALTER COLUMN price_per_hour SET DEFAULT 0;
    ALTER TABLE gym_areas ADD CONSTRAINT gym_areas_price_per_hour_check CHECK (price_per_hour >= 0);

    ${bookPlace('p_price numeric', 'price', 'p_price')}
  `);
}

/**
 * book_place() as 20261125003000_book_place.ts made it, with the price parameter and column given, and
 * the tenant named in every statement besides the policy (SCALING.md).
 */
export function bookPlace(parameter: string, column: string, value: string): string {
  return `
    CREATE FUNCTION book_place(p_area uuid, p_user uuid, p_date date, p_time time, p_duration int,
      p_starts timestamptz, p_ends timestamptz, p_trainer text, p_trainer_id uuid, ${parameter})
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
      -- Every statement names the tenant as well as the policy: a database sharded by tenant routes on it.
      SELECT b.id INTO own FROM bookings b
        WHERE b.tenant_id = t AND b.user_id = p_user AND b.status = 'confirmed' AND b.period && span LIMIT 1;
      IF own IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'overlaps_own', 'booking_id', own); END IF;

      PERFORM pg_advisory_xact_lock(hashtextextended('booking:' || p_area || ':' || extract(epoch FROM p_starts), 0));
      -- A new statement after the lock: it sees what the slot's previous booker committed.
      SELECT coalesce(array_agg(g ORDER BY g), '{}') INTO places
        FROM gym_areas a, generate_series(1, a.booking_capacity) g
        WHERE a.tenant_id = t AND a.id = p_area AND NOT EXISTS (
          SELECT 1 FROM bookings b
          WHERE b.tenant_id = t AND b.gym_area_id = p_area AND b.place = g AND b.status = 'confirmed' AND b.period && span);

      WHILE i <= coalesce(array_length(places, 1), 0) LOOP
        BEGIN
          INSERT INTO bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at,
                                trainer, trainer_id, ${column}, place)
            VALUES (t, p_user, p_area, p_date, p_time, p_duration, p_starts, p_ends, p_trainer, p_trainer_id, ${value}, places[i])
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
    END $f$;`;
}
