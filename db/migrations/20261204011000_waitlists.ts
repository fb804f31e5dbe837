import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';
import { NEAR_DATES } from './20261203400000_book_place_by_date.js';

/**
 * Waitlists of full slots (docs/http-api.md). An entry queues for one slot (area and start); `position`
 * is its ticket in that queue, handed out under the slot's lock, so the queue's order is the order of
 * joining. An offer is a `held` booking (it takes a place like any booking: the database keeps holds
 * and bookings within capacity together) that the entry points to until it is accepted, declined or
 * expires.
 *
 * Lock order, the same everywhere: a member's row, then the slot's lock, then entries, then bookings.
 * Releasing an offer therefore takes the slot's lock before the entry's row (release_offer).
 *
 * - join_waitlist(): refuses a slot with a free place, or a second entry of the member for it.
 * - offer_waitlist(): gives free places of one slot to the head of its queue, strictly in order, while
 *   places are free; with the gym's auto-book rule, the head is booked at once when its member's row is
 *   free to lock and no rule refuses it (otherwise it gets an offer, so the caller never waits on a
 *   member and no lock cycle can form).
 * - release_offer(): declines, expires or leaves an entry, frees its hold and offers the place on.
 * - waitlist_due_tenants(): the gyms with work for the hold job, read across tenants by the job only.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  const definer = 'SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp';
  await runScript(knex, `
    CREATE TABLE waitlist_entries (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      gym_area_id uuid NOT NULL,
      booking_date date NOT NULL,
      start_time time NOT NULL,
      duration integer NOT NULL CHECK (duration BETWEEN 5 AND 1440),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      price_cents bigint NOT NULL CHECK (price_cents >= 0),
      position integer NOT NULL CHECK (position >= 1),
      status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left')),
      offered_at timestamptz,
      hold_until timestamptz,
      booking_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      closed_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      CHECK (ends_at > starts_at),
      CHECK ((status = 'offered') = (hold_until IS NOT NULL AND booking_id IS NOT NULL)),
      CHECK ((status IN ('waiting', 'offered')) = (closed_at IS NULL)),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, booking_id) REFERENCES bookings (tenant_id, id) ON DELETE SET NULL (booking_id),
      UNIQUE (tenant_id, gym_area_id, starts_at, position)
    );
    CREATE UNIQUE INDEX waitlist_one_entry_per_slot ON waitlist_entries (tenant_id, user_id, gym_area_id, starts_at)
      WHERE status IN ('waiting', 'offered');
    CREATE INDEX waitlist_queue ON waitlist_entries (tenant_id, gym_area_id, starts_at, position) WHERE status IN ('waiting', 'offered');
    CREATE INDEX waitlist_of_user ON waitlist_entries (tenant_id, user_id, created_at DESC);
    CREATE INDEX waitlist_holds ON waitlist_entries (hold_until) WHERE status = 'offered';
    ALTER TABLE waitlist_entries ENABLE ROW LEVEL SECURITY;
    ALTER TABLE waitlist_entries FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON waitlist_entries USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
    GRANT SELECT, INSERT, UPDATE, DELETE ON waitlist_entries TO ${appRole};

    CREATE FUNCTION slot_lock(p_area uuid, p_starts timestamptz) RETURNS void LANGUAGE sql AS
      $f$ SELECT pg_advisory_xact_lock(hashtextextended('booking:' || p_area || ':' || extract(epoch FROM p_starts), 0)) $f$;

    CREATE FUNCTION join_waitlist(p_user uuid, p_area uuid, p_date date, p_time time, p_duration int,
      p_starts timestamptz, p_ends timestamptz, p_price_cents bigint)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      span tstzrange := tstzrange(p_starts, p_ends, '[)');
      existing uuid;
      entry waitlist_entries;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'join_waitlist needs a tenant context' USING ERRCODE = '42501'; END IF;
      SELECT b.id INTO existing FROM bookings b
        WHERE b.tenant_id = t AND b.user_id = p_user AND b.status IN ('confirmed', 'held') AND b.period && span LIMIT 1;
      IF existing IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'overlaps_own', 'booking_id', existing); END IF;
      PERFORM slot_lock(p_area, p_starts);
      SELECT w.id INTO existing FROM waitlist_entries w
        WHERE w.tenant_id = t AND w.user_id = p_user AND w.gym_area_id = p_area AND w.starts_at = p_starts AND w.status IN ('waiting', 'offered');
      IF existing IS NOT NULL THEN RETURN jsonb_build_object('outcome', 'already_waiting', 'entry_id', existing); END IF;
      IF EXISTS (SELECT 1 FROM gym_areas a, generate_series(1, a.booking_capacity) g
                  WHERE a.tenant_id = t AND a.id = p_area AND NOT EXISTS (
                    SELECT 1 FROM bookings b WHERE b.tenant_id = t AND b.gym_area_id = p_area AND ${NEAR_DATES} AND b.place = g
                      AND b.status IN ('confirmed', 'held') AND b.period && span)) THEN
        RETURN jsonb_build_object('outcome', 'not_full');
      END IF;
      INSERT INTO waitlist_entries (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, price_cents, position)
        SELECT t, p_user, p_area, p_date, p_time, p_duration, p_starts, p_ends, p_price_cents, coalesce(max(w.position), 0) + 1
          FROM waitlist_entries w WHERE w.tenant_id = t AND w.gym_area_id = p_area AND w.starts_at = p_starts
        RETURNING * INTO entry;
      RETURN jsonb_build_object('outcome', 'joined', 'entry', to_jsonb(entry));
    END $f$;

    -- p_rules: the gym's booking rules (contracts/booking-rules.ts) with hold_minutes and waitlist_auto_book.
    CREATE FUNCTION offer_waitlist(p_area uuid, p_starts timestamptz, p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      e waitlist_entries;
      placed bookings;
      offers jsonb := '[]'::jsonb;
      v_hold_until timestamptz := p_now + make_interval(mins => (p_rules->>'hold_minutes')::int);
      auto boolean := coalesce((p_rules->>'waitlist_auto_book')::boolean, false);
      member uuid;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'offer_waitlist needs a tenant context' USING ERRCODE = '42501'; END IF;
      IF p_starts <= p_now THEN RETURN offers; END IF;
      PERFORM slot_lock(p_area, p_starts);
      LOOP
        SELECT * INTO e FROM waitlist_entries w
          WHERE w.tenant_id = t AND w.gym_area_id = p_area AND w.starts_at = p_starts AND w.status = 'waiting'
          ORDER BY w.position LIMIT 1;
        EXIT WHEN e.id IS NULL;
        member := NULL;
        IF auto THEN
          SELECT u.id INTO member FROM users u WHERE u.tenant_id = t AND u.id = e.user_id FOR NO KEY UPDATE SKIP LOCKED;
        END IF;
        IF member IS NOT NULL
           AND booking_rule_refusal(e.user_id, p_area, e.booking_date, e.duration, p_now, p_rules) IS NULL
           AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.tenant_id = t AND b.user_id = e.user_id AND b.status = 'confirmed'
                             AND b.period && tstzrange(e.starts_at, e.ends_at, '[)')) THEN
          placed := take_place(p_area, e.user_id, e.booking_date, e.start_time, e.duration, e.starts_at, e.ends_at, NULL, NULL, e.price_cents, 'confirmed');
          EXIT WHEN placed.id IS NULL;
          UPDATE waitlist_entries SET status = 'accepted', offered_at = p_now, booking_id = placed.id, closed_at = p_now
            WHERE tenant_id = t AND id = e.id;
          offers := offers || jsonb_build_object('entry_id', e.id, 'user_id', e.user_id, 'auto_booked', true, 'booking', to_jsonb(placed) - 'period');
        ELSE
          placed := take_place(p_area, e.user_id, e.booking_date, e.start_time, e.duration, e.starts_at, e.ends_at, NULL, NULL, e.price_cents, 'held');
          EXIT WHEN placed.id IS NULL;
          UPDATE waitlist_entries SET status = 'offered', offered_at = p_now, hold_until = v_hold_until, booking_id = placed.id
            WHERE tenant_id = t AND id = e.id;
          offers := offers || jsonb_build_object('entry_id', e.id, 'user_id', e.user_id, 'auto_booked', false,
            'hold_until', v_hold_until, 'booking', to_jsonb(placed) - 'period');
        END IF;
      END LOOP;
      RETURN offers;
    END $f$;

    -- Offers the places freed in [p_from, p_to) of an area to every queue they overlap, earliest first.
    CREATE FUNCTION offer_freed(p_area uuid, p_from timestamptz, p_to timestamptz, p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      q timestamptz;
      offers jsonb := '[]'::jsonb;
    BEGIN
      FOR q IN SELECT DISTINCT w.starts_at FROM waitlist_entries w
               WHERE w.tenant_id = t AND w.gym_area_id = p_area AND w.status = 'waiting' AND w.starts_at > p_now
                 AND tstzrange(w.starts_at, w.ends_at, '[)') && tstzrange(p_from, p_to, '[)')
               ORDER BY w.starts_at LOOP
        offers := offers || offer_waitlist(p_area, q, p_now, p_rules);
      END LOOP;
      RETURN offers;
    END $f$;

    -- p_status: declined or expired (an offered entry; expired only once its hold has run out) or left
    -- (a waiting or offered one). Answers {"entry": ... or null, "offers": [...]}.
    CREATE FUNCTION release_offer(p_entry uuid, p_user uuid, p_status text, p_now timestamptz, p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $f$
    DECLARE
      t uuid := app_tenant();
      e waitlist_entries;
      offers jsonb := '[]'::jsonb;
    BEGIN
      SELECT * INTO e FROM waitlist_entries w WHERE w.tenant_id = t AND w.id = p_entry AND (p_user IS NULL OR w.user_id = p_user);
      IF e.id IS NULL THEN RETURN jsonb_build_object('entry', NULL, 'offers', offers); END IF;
      PERFORM slot_lock(e.gym_area_id, e.starts_at);
      UPDATE waitlist_entries w SET status = p_status, closed_at = p_now, hold_until = NULL, booking_id = NULL
        WHERE w.tenant_id = t AND w.id = p_entry
          AND CASE p_status
                WHEN 'left' THEN w.status IN ('waiting', 'offered')
                WHEN 'declined' THEN w.status = 'offered'
                WHEN 'expired' THEN w.status = 'offered' AND w.hold_until <= p_now
              END
        RETURNING * INTO e;
      IF e.id IS NULL THEN
        SELECT * INTO e FROM waitlist_entries w WHERE w.tenant_id = t AND w.id = p_entry;
        RETURN jsonb_build_object('entry', NULL, 'current', to_jsonb(e), 'offers', offers);
      END IF;
      -- The hold goes; the booking id the entry pointed to was read before the update cleared it.
      DELETE FROM bookings b WHERE b.tenant_id = t AND b.status = 'held' AND b.user_id = e.user_id
        AND b.gym_area_id = e.gym_area_id AND b.starts_at = e.starts_at AND b.ends_at = e.ends_at;
      offers := offer_waitlist(e.gym_area_id, e.starts_at, p_now, p_rules);
      RETURN jsonb_build_object('entry', to_jsonb(e), 'offers', offers);
    END $f$;

    CREATE FUNCTION waitlist_due_tenants(p_now timestamptz) RETURNS SETOF uuid LANGUAGE sql STABLE ${definer} AS
      $f$ SELECT DISTINCT w.tenant_id FROM public.waitlist_entries w
          WHERE (w.status = 'offered' AND w.hold_until <= p_now) OR w.status = 'waiting' $f$;
    REVOKE ALL ON FUNCTION waitlist_due_tenants(timestamptz) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION waitlist_due_tenants(timestamptz) TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION IF EXISTS waitlist_due_tenants(timestamptz), release_offer(uuid, uuid, text, timestamptz, jsonb),
      offer_freed(uuid, timestamptz, timestamptz, timestamptz, jsonb), offer_waitlist(uuid, timestamptz, timestamptz, jsonb),
      join_waitlist(uuid, uuid, date, time, int, timestamptz, timestamptz, bigint), slot_lock(uuid, timestamptz);
    DELETE FROM bookings WHERE status = 'held';
    DROP TABLE IF EXISTS waitlist_entries;
  `);
}
