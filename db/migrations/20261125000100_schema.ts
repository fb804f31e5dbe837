import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * The whole schema of the product. Tenant isolation lives in the database: every tenant table has
 * row-level security ENABLED and FORCED, keyed on the per-transaction setting app.tenant_id, and the
 * application works as a role that is neither superuser nor BYPASSRLS. Capacity rules are constraints
 * and triggers, so no code path (or bug) can overbook a slot or let occupancy drift.
 */

/** Tables that belong to one tenant; each gets the forced tenant policy. */
export const TENANT_TABLES = [
  'users',
  'gym_areas',
  'workout_programs',
  'bookings',
  'workout_sessions',
  'visits',
  'events',
  'event_counters',
  'refresh_tokens',
  'display_tokens',
  'idempotency_keys',
] as const;

/** Tables that also hold platform-level rows (tenant_id null), visible only in the platform scope. */
const PLATFORM_AWARE = new Set(['users', 'refresh_tokens']);

export async function up(knex: Knex): Promise<void> {
  const { appRole, appPassword } = migrationConfig(knex);
  const password = appPassword ? `PASSWORD '${appPassword.replace(/'/g, "''")}'` : '';
  await runScript(knex, `
    CREATE EXTENSION IF NOT EXISTS btree_gist;

    -- The application logs in as this role (PostgreSQL) or switches to it (PGlite, single user).
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${appRole}') THEN
        CREATE ROLE ${appRole} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      ELSIF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = '${appRole}') THEN
        ALTER ROLE ${appRole} LOGIN;
      END IF;
    END $$;
    ${password ? `ALTER ROLE ${appRole} ${password};` : ''}
    GRANT ${appRole} TO CURRENT_USER;
    GRANT USAGE ON SCHEMA public TO ${appRole};

    -- The tenant of the current transaction; NULL (never an error) when none is set.
    CREATE FUNCTION app_tenant() RETURNS uuid LANGUAGE sql STABLE AS
      $f$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $f$;
    -- True inside the platform scope (platform admin work, never combined with a tenant).
    CREATE FUNCTION app_platform() RETURNS boolean LANGUAGE sql STABLE AS
      $f$ SELECT coalesce(current_setting('app.platform', true), '') = 'on' $f$;

    CREATE TABLE tenants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
      subdomain text NOT NULL UNIQUE CHECK (subdomain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
      subscription_plan text NOT NULL DEFAULT 'trial' CHECK (subscription_plan IN ('trial', 'basic', 'pro', 'enterprise')),
      subscription_status text NOT NULL DEFAULT 'trialing'
        CHECK (subscription_status IN ('trialing', 'active', 'past_due', 'canceled', 'suspended')),
      trial_ends_at timestamptz,
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
      username text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{2,64}$'),
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('member', 'trainer', 'owner', 'platform_admin')),
      email text CHECK (email IS NULL OR length(email) <= 254),
      full_name text CHECK (full_name IS NULL OR length(full_name) <= 120),
      member_id text CHECK (member_id IS NULL OR length(member_id) <= 64),
      locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'el')),
      active boolean NOT NULL DEFAULT true,
      workouts_completed integer NOT NULL DEFAULT 0 CHECK (workouts_completed >= 0),
      total_minutes integer NOT NULL DEFAULT 0 CHECK (total_minutes >= 0),
      total_calories integer NOT NULL DEFAULT 0 CHECK (total_calories >= 0),
      current_streak integer NOT NULL DEFAULT 0 CHECK (current_streak >= 0),
      last_workout_date date,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((role = 'platform_admin') = (tenant_id IS NULL)),
      UNIQUE NULLS NOT DISTINCT (tenant_id, username),
      UNIQUE (tenant_id, id)
    );

    CREATE TABLE gym_areas (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
      name_el text NOT NULL CHECK (length(name_el) BETWEEN 1 AND 120),
      capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
      current_users integer NOT NULL DEFAULT 0,
      is_bookable boolean NOT NULL DEFAULT true,
      booking_capacity integer NOT NULL DEFAULT 1 CHECK (booking_capacity BETWEEN 1 AND 10000),
      slot_minutes integer NOT NULL DEFAULT 60 CHECK (slot_minutes BETWEEN 5 AND 480),
      price_per_hour numeric(10, 2) NOT NULL DEFAULT 0 CHECK (price_per_hour >= 0),
      opening_hours jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT gym_areas_occupancy_range CHECK (current_users >= 0 AND current_users <= capacity),
      UNIQUE (tenant_id, id)
    );

    CREATE TABLE workout_programs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
      name_el text NOT NULL CHECK (length(name_el) BETWEEN 1 AND 120),
      difficulty text NOT NULL CHECK (difficulty IN ('beginner', 'intermediate', 'advanced')),
      exercises jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(exercises) = 'array'),
      est_minutes integer NOT NULL CHECK (est_minutes BETWEEN 1 AND 600),
      kcal_per_hour integer NOT NULL CHECK (kcal_per_hour BETWEEN 0 AND 3000),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, id)
    );

    CREATE TABLE bookings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      gym_area_id uuid NOT NULL,
      booking_date date NOT NULL,
      start_time time NOT NULL,
      duration integer NOT NULL CHECK (duration BETWEEN 5 AND 1440),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      period tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
      -- Which of the area's booking_capacity places this booking holds: the exclusion below allows one
      -- booking per place at any instant, so at most booking_capacity bookings overlap.
      place integer NOT NULL CHECK (place >= 1),
      trainer text CHECK (trainer IS NULL OR length(trainer) <= 120),
      trainer_id uuid,
      price numeric(10, 2) NOT NULL CHECK (price >= 0),
      status text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled', 'completed', 'no_show')),
      created_at timestamptz NOT NULL DEFAULT now(),
      cancelled_at timestamptz,
      CHECK (ends_at > starts_at),
      CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, trainer_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (trainer_id),
      CONSTRAINT bookings_no_overbooking EXCLUDE USING gist
        (tenant_id WITH =, gym_area_id WITH =, place WITH =, period WITH &&) WHERE (status = 'confirmed'),
      CONSTRAINT bookings_no_double_booking EXCLUDE USING gist
        (tenant_id WITH =, user_id WITH =, period WITH &&) WHERE (status = 'confirmed')
    );
    CREATE INDEX bookings_area_day ON bookings (tenant_id, gym_area_id, booking_date);
    CREATE INDEX bookings_user_created ON bookings (tenant_id, user_id, created_at DESC);

    CREATE TABLE workout_sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      program_id uuid NOT NULL,
      gym_area_id uuid,
      start_time timestamptz NOT NULL DEFAULT now(),
      end_time timestamptz,
      calories integer CHECK (calories IS NULL OR calories BETWEEN 0 AND 20000),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
      CHECK ((status = 'active') = (end_time IS NULL)),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, program_id) REFERENCES workout_programs (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE
    );
    CREATE UNIQUE INDEX workout_sessions_one_active ON workout_sessions (tenant_id, user_id) WHERE status = 'active';

    CREATE TABLE visits (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      gym_area_id uuid NOT NULL,
      checked_in_at timestamptz NOT NULL DEFAULT now(),
      checked_out_at timestamptz,
      source text NOT NULL CHECK (source IN ('workout', 'staff', 'kiosk', 'auto_expired')),
      CHECK (checked_out_at IS NULL OR checked_out_at >= checked_in_at),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE
    );
    -- A person is in at most one area at a time.
    CREATE UNIQUE INDEX visits_one_open_per_user ON visits (tenant_id, user_id) WHERE checked_out_at IS NULL;
    CREATE INDEX visits_open_by_area ON visits (tenant_id, gym_area_id) WHERE checked_out_at IS NULL;
    CREATE INDEX visits_by_time ON visits (tenant_id, checked_in_at);

    -- The durable per-tenant event log: seq is +1 per tenant, without gaps, taken from event_counters.
    CREATE TABLE event_counters (
      tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      last_seq bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      seq bigint NOT NULL CHECK (seq >= 1),
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      published_at timestamptz,
      PRIMARY KEY (tenant_id, seq)
    );
    CREATE INDEX events_unpublished ON events (tenant_id, seq) WHERE published_at IS NULL;

    CREATE TABLE refresh_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      family_id uuid NOT NULL,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

    CREATE TABLE display_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
      token_hash text NOT NULL UNIQUE,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
    );

    CREATE TABLE idempotency_keys (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
      request_hash text NOT NULL,
      status_code integer,
      response jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, user_id, key)
    );

    -- Web sessions when no Redis is configured. The session id is a random secret; no tenant policy,
    -- but only the app role may read it and nothing else joins to it.
    CREATE TABLE web_sessions (
      sid text PRIMARY KEY,
      data jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
  `);

  for (const table of TENANT_TABLES) {
    const visible = PLATFORM_AWARE.has(table)
      ? '(tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform()))'
      : '(tenant_id = app_tenant())';
    await runScript(knex, `
      ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
      ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON ${table} USING ${visible} WITH CHECK ${visible};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${appRole};
    `);
  }
  await runScript(knex, `
    GRANT SELECT, INSERT, UPDATE ON tenants TO ${appRole};
    GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO ${appRole};
  `);

  await runScript(knex, `
    -- Appends one event to the current tenant's log and returns it. The counter row is locked until
    -- commit, so seqs are gapless and in commit order; callers append last to keep that lock short.
    CREATE FUNCTION append_event(p_type text, p_payload jsonb)
    RETURNS TABLE (seq bigint, created_at timestamptz) LANGUAGE plpgsql AS $f$
    DECLARE t uuid := app_tenant(); s bigint;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'append_event needs a tenant context' USING ERRCODE = '42501'; END IF;
      INSERT INTO event_counters AS c (tenant_id, last_seq) VALUES (t, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET last_seq = c.last_seq + 1
        RETURNING c.last_seq INTO s;
      RETURN QUERY INSERT INTO events AS e (tenant_id, seq, type, payload)
        VALUES (t, s, p_type, p_payload) RETURNING e.seq, e.created_at;
    END $f$;

    -- current_users is derived from visits and nothing else may write it.
    CREATE FUNCTION guard_current_users() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.current_users <> 0 THEN
          RAISE EXCEPTION 'a new area starts empty' USING ERRCODE = '23514', CONSTRAINT = 'gym_areas_occupancy_derived';
        END IF;
      ELSIF NEW.current_users IS DISTINCT FROM OLD.current_users
         AND coalesce(current_setting('app.occupancy_sync', true), '') <> 'on' THEN
        RAISE EXCEPTION 'current_users follows visits and cannot be written directly'
          USING ERRCODE = '23514', CONSTRAINT = 'gym_areas_occupancy_derived';
      END IF;
      RETURN NEW;
    END $f$;
    CREATE TRIGGER gym_areas_guard_current_users BEFORE INSERT OR UPDATE OF current_users ON gym_areas
      FOR EACH ROW EXECUTE FUNCTION guard_current_users();

    -- Keeps gym_areas.current_users equal to the open visits; the range CHECK refuses a full area.
    CREATE FUNCTION sync_occupancy() RETURNS trigger LANGUAGE plpgsql AS $f$
    DECLARE delta_old int := 0; delta_new int := 0;
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.checked_out_at IS NULL THEN delta_old := -1; END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.checked_out_at IS NULL THEN delta_new := 1; END IF;
      PERFORM set_config('app.occupancy_sync', 'on', true);
      IF TG_OP = 'UPDATE' AND OLD.gym_area_id <> NEW.gym_area_id THEN
        UPDATE gym_areas SET current_users = current_users + delta_old WHERE tenant_id = OLD.tenant_id AND id = OLD.gym_area_id;
        UPDATE gym_areas SET current_users = current_users + delta_new WHERE tenant_id = NEW.tenant_id AND id = NEW.gym_area_id;
      ELSIF delta_old + delta_new <> 0 THEN
        UPDATE gym_areas SET current_users = current_users + delta_old + delta_new
          WHERE tenant_id = coalesce(NEW.tenant_id, OLD.tenant_id) AND id = coalesce(NEW.gym_area_id, OLD.gym_area_id);
      END IF;
      PERFORM set_config('app.occupancy_sync', 'off', true);
      RETURN NULL;
    END $f$;
    CREATE TRIGGER visits_sync_occupancy AFTER INSERT OR UPDATE OR DELETE ON visits
      FOR EACH ROW EXECUTE FUNCTION sync_occupancy();

    -- A booking's place must exist in its area, and only bookable areas take bookings.
    CREATE FUNCTION check_booking_place() RETURNS trigger LANGUAGE plpgsql AS $f$
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
    CREATE TRIGGER bookings_check_place BEFORE INSERT OR UPDATE OF place, status, gym_area_id ON bookings
      FOR EACH ROW EXECUTE FUNCTION check_booking_place();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP TABLE IF EXISTS web_sessions, idempotency_keys, display_tokens, refresh_tokens, events, event_counters,
      visits, workout_sessions, bookings, workout_programs, gym_areas, users, tenants CASCADE;
    DROP FUNCTION IF EXISTS append_event(text, jsonb), guard_current_users(), sync_occupancy(),
      check_booking_place(), app_tenant(), app_platform();
  `);
}
