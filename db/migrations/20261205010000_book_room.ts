import type { Knex } from 'knex';
import { runScript } from './sql.js';
import { bookPlaceWithRules, takePlace } from './20261204010000_booking_rules.js';

/**
 * A booking in one statement: book_room() is book_place() plus what the service used to send around
 * it in three more round trips (docs: BENCHMARKS.md, "The booking path in one statement"):
 * - the area: the service books from a cached copy of the area and the gym's settings and names its
 *   version (bookable_area_version: a hash of every column the booking is computed from); a changed
 *   area answers `stale` and the service reads it again, so a cached copy never books on old terms;
 * - the member: locked as before, and it must be active (staff booking for a member);
 * - the events: the service passes them, with the booking's id it chose, and they are appended only
 *   when the place is taken, in the same statement and so the same transaction.
 * take_place() takes the id (NULL: a new one, as before for waitlist offers) and refuses a full slot
 * without queueing on its lock; book_place() goes.
 */
const TAKE_PLACE_ARGS = 'uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint, text';
const BOOK_PLACE = 'book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint, timestamptz, jsonb)';

const LOCK = 'PERFORM pg_advisory_xact_lock(';
const FREE_PLACES = /SELECT coalesce\(array_agg\(g ORDER BY g\), '\{\}'\) INTO places[^;]*;/;

/**
 * take_place() with the booking's id, and a look before the queue: a slot without a free place at this
 * moment is refused without taking its lock (the answer was true when it was read), so the hundreds
 * refused in a class-release rush do not line up behind the few who get a place. With a place free it
 * queues as before and looks again under the lock.
 */
function takePlaceWithId(): string {
  const body = takePlace();
  const search = FREE_PLACES.exec(body)?.[0];
  if (!search) throw new Error('take_place(): the free-place search is not in the earlier body');
  const edits: Array<[string, string]> = [
    ['p_price_cents bigint, p_status text)', 'p_price_cents bigint, p_status text, p_id uuid DEFAULT NULL)'],
    ["-- The slot's lock, then the lowest place", "-- A look for a free place, the slot's lock, then the lowest place"],
    [LOCK, `${search}\n      IF coalesce(array_length(places, 1), 0) = 0 THEN RETURN NULL; END IF;\n      ${LOCK}`],
    ['INSERT INTO bookings (tenant_id,', 'INSERT INTO bookings (id, tenant_id,'],
    ['VALUES (t, p_user,', 'VALUES (coalesce(p_id, gen_random_uuid()), t, p_user,'],
  ];
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`take_place(): "${from}" is not in the earlier body`);
    return text.replace(from, to);
  }, body);
}

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION ${BOOK_PLACE};
    DROP FUNCTION take_place(${TAKE_PLACE_ARGS});
    ${takePlaceWithId()}

    -- What a booking is computed from; NULL when the area is not there.
    CREATE FUNCTION bookable_area_version(p_area uuid) RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT md5(row(a.is_bookable, a.booking_capacity, a.slot_minutes, a.price_per_hour_cents, a.opening_hours,
                     a.max_booking_minutes, tn.settings)::text)
        FROM gym_areas a JOIN tenants tn ON tn.id = a.tenant_id
        WHERE a.tenant_id = app_tenant() AND a.id = p_area
    $f$;

    -- Answers as book_place() did ({"outcome": "booked", "booking": {...}}, "full", "overlaps_own",
    -- "blocked", "limit_reached"), or {"outcome": "stale"} (the area changed since p_version) or
    -- {"outcome": "no_member"} (no such active member). p_events are appended when it books.
    CREATE FUNCTION book_room(p_id uuid, p_version text, p_events jsonb, p_area uuid, p_user uuid, p_date date,
      p_time time, p_duration int, p_starts timestamptz, p_ends timestamptz, p_trainer text, p_trainer_id uuid,
      p_price_cents bigint, p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      own uuid;
      refusal jsonb;
      booked bookings;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'book_room needs a tenant context' USING ERRCODE = '42501'; END IF;
      IF bookable_area_version(p_area) IS DISTINCT FROM p_version THEN RETURN jsonb_build_object('outcome', 'stale'); END IF;
      -- Every booking of one member queues here, so the counts below cannot be raced past.
      PERFORM 1 FROM users u WHERE u.tenant_id = t AND u.id = p_user AND u.active FOR NO KEY UPDATE;
      IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'no_member'); END IF;
      refusal := booking_rule_refusal(p_user, p_area, p_date, p_duration, p_now, p_rules);
      IF refusal IS NOT NULL THEN RETURN refusal; END IF;
      SELECT b.id INTO own FROM bookings b
        WHERE b.tenant_id = t AND b.user_id = p_user AND b.status = 'confirmed' AND b.period && tstzrange(p_starts, p_ends, '[)') LIMIT 1;
      IF own IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'overlaps_own', 'booking_id', own); END IF;
      booked := take_place(p_area, p_user, p_date, p_time, p_duration, p_starts, p_ends, p_trainer, p_trainer_id, p_price_cents, 'confirmed', p_id);
      IF booked.id IS NULL THEN RETURN jsonb_build_object('outcome', 'full'); END IF;
      PERFORM append_events(p_events);
      RETURN jsonb_build_object('outcome', 'booked', 'booking', to_jsonb(booked) - 'period');
    END $f$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION book_room(uuid, text, jsonb, uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint, timestamptz, jsonb);
    DROP FUNCTION bookable_area_version(uuid);
    DROP FUNCTION take_place(${TAKE_PLACE_ARGS}, uuid);
    ${takePlace()}
    ${bookPlaceWithRules()}
  `);
}
