import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Tenant keys all the way. The primary key of every tenant table is (tenant_id, id), so a row is
 * identified within its gym and a database sharded by tenant_id (Citus, SCALING.md) can hold the
 * schema; the former (tenant_id, id) unique keys of gym_areas and workout_programs give way to the
 * primary keys, and the foreign keys onto them are re-pointed. users, refresh_tokens and audit_log
 * keep (id): they hold platform rows with a null tenant_id, which no primary key column may be.
 *
 * refresh_tokens → users carried no tenant, so a gym's refresh token could name another gym's person.
 * It now goes (tenant_id, user_id) → users (tenant_id, id); a composite key is not checked when
 * tenant_id is null, so for the platform's own tokens two triggers keep what the old key guaranteed.
 *
 * Token hashes are unique within their tenant: every opaque token names its tenant (tokens.ts) and is
 * looked up in that tenant's scope, never across gyms.
 */
const REPOINTED = `
  ALTER TABLE bookings ADD CONSTRAINT bookings_tenant_id_gym_area_id_fkey
    FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE;
  ALTER TABLE workout_sessions ADD CONSTRAINT workout_sessions_tenant_id_gym_area_id_fkey
    FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE;
  ALTER TABLE workout_sessions ADD CONSTRAINT workout_sessions_tenant_id_program_id_fkey
    FOREIGN KEY (tenant_id, program_id) REFERENCES workout_programs (tenant_id, id) ON DELETE CASCADE;
  ALTER TABLE visits ADD CONSTRAINT visits_tenant_id_gym_area_id_fkey
    FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE;`;
const DROP_REPOINTED = `
  ALTER TABLE bookings DROP CONSTRAINT bookings_tenant_id_gym_area_id_fkey;
  ALTER TABLE workout_sessions DROP CONSTRAINT workout_sessions_tenant_id_gym_area_id_fkey,
    DROP CONSTRAINT workout_sessions_tenant_id_program_id_fkey;
  ALTER TABLE visits DROP CONSTRAINT visits_tenant_id_gym_area_id_fkey;`;
/** Tables whose primary key goes from (id) to (tenant_id, id). */
const REKEYED = ['gym_areas', 'workout_programs', 'bookings', 'workout_sessions', 'visits', 'display_tokens', 'events'];

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    ${DROP_REPOINTED}
    ALTER TABLE gym_areas DROP CONSTRAINT gym_areas_tenant_id_id_key;
    ALTER TABLE workout_programs DROP CONSTRAINT workout_programs_tenant_id_id_key;
    ${REKEYED.map((t) => `ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey, ADD CONSTRAINT ${t}_pkey PRIMARY KEY (tenant_id, id);`).join('\n    ')}
    ${REPOINTED}

    ALTER TABLE display_tokens DROP CONSTRAINT display_tokens_token_hash_key,
      ADD CONSTRAINT display_tokens_token_hash_key UNIQUE (tenant_id, token_hash);
    ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_token_hash_key,
      ADD CONSTRAINT refresh_tokens_token_hash_key UNIQUE NULLS NOT DISTINCT (tenant_id, token_hash);

    ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_user_id_fkey,
      ADD CONSTRAINT refresh_tokens_tenant_id_user_id_fkey
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE;

    -- A platform token (tenant_id null) names a platform admin that exists; the row is locked against
    -- its deletion until commit, as a foreign key check would.
    CREATE FUNCTION check_platform_refresh_token() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
      IF NEW.tenant_id IS NULL THEN
        PERFORM 1 FROM users u WHERE u.tenant_id IS NULL AND u.id = NEW.user_id FOR KEY SHARE;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'a platform refresh token needs a platform user'
            USING ERRCODE = '23503', CONSTRAINT = 'refresh_tokens_platform_user';
        END IF;
      END IF;
      RETURN NEW;
    END $f$;
    CREATE TRIGGER refresh_tokens_platform_user BEFORE INSERT OR UPDATE OF tenant_id, user_id ON refresh_tokens
      FOR EACH ROW EXECUTE FUNCTION check_platform_refresh_token();
    -- ... and goes with that admin (the cascade of the composite key covers the gyms' people).
    CREATE FUNCTION drop_platform_refresh_tokens() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
      DELETE FROM refresh_tokens r WHERE r.tenant_id IS NULL AND r.user_id = OLD.id;
      RETURN NULL;
    END $f$;
    CREATE TRIGGER users_drop_platform_refresh_tokens AFTER DELETE ON users
      FOR EACH ROW WHEN (OLD.tenant_id IS NULL) EXECUTE FUNCTION drop_platform_refresh_tokens();

    -- The event numbering finds each row by its whole key, the tenant first.
    ${sequenceEvents('e.tenant_id = t AND e.id = next_id')}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    ${sequenceEvents('e.id = next_id')}
    DROP TRIGGER users_drop_platform_refresh_tokens ON users;
    DROP TRIGGER refresh_tokens_platform_user ON refresh_tokens;
    DROP FUNCTION drop_platform_refresh_tokens(), check_platform_refresh_token();
    ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_tenant_id_user_id_fkey,
      ADD CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
    ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_token_hash_key,
      ADD CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash);
    ALTER TABLE display_tokens DROP CONSTRAINT display_tokens_token_hash_key,
      ADD CONSTRAINT display_tokens_token_hash_key UNIQUE (token_hash);

    ${DROP_REPOINTED}
    ${REKEYED.map((t) => `ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey, ADD CONSTRAINT ${t}_pkey PRIMARY KEY (id);`).join('\n    ')}
    ALTER TABLE gym_areas ADD CONSTRAINT gym_areas_tenant_id_id_key UNIQUE (tenant_id, id);
    ALTER TABLE workout_programs ADD CONSTRAINT workout_programs_tenant_id_id_key UNIQUE (tenant_id, id);
    ${REPOINTED}
  `);
}

/** sequence_events() of 20261125002000_event_sequencing.ts, with the row found by `match`. */
function sequenceEvents(match: string): string {
  return `
    CREATE OR REPLACE FUNCTION sequence_events(p_limit int DEFAULT 5000)
    RETURNS TABLE (seq bigint, type text, payload jsonb, created_at timestamptz) LANGUAGE plpgsql AS $f$
    DECLARE t uuid := app_tenant(); last bigint; first bigint; next_id bigint;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'sequence_events needs a tenant context' USING ERRCODE = '42501'; END IF;
      -- One numbering per tenant at a time; the statements below see what the previous one committed.
      SELECT c.last_seq INTO last FROM event_counters c WHERE c.tenant_id = t FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO event_counters AS c (tenant_id, last_seq) VALUES (t, 0) ON CONFLICT (tenant_id) DO NOTHING;
        SELECT c.last_seq INTO last FROM event_counters c WHERE c.tenant_id = t FOR UPDATE;
      END IF;
      first := last;
      FOR next_id IN SELECT u.id FROM events u WHERE u.tenant_id = t AND u.seq IS NULL ORDER BY u.id LIMIT p_limit LOOP
        last := last + 1;
        RETURN QUERY UPDATE events e SET seq = last WHERE ${match} RETURNING e.seq, e.type, e.payload, e.created_at;
      END LOOP;
      IF last > first THEN
        UPDATE event_counters c SET last_seq = last WHERE c.tenant_id = t;
      END IF;
    END $f$;`;
}
