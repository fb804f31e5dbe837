import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * The platform tables without a tenant_id column come under the same rule as every tenant table.
 *
 * `tenants`: forced row-level security. A tenant's transaction sees and updates its own row only (and
 * never its plan, status or subdomain: those are the platform's), the platform scope sees and changes
 * every row, and a query without a scope sees none. What must be known before any tenant is (sign-in
 * by subdomain or X-Tenant-ID, the signup's uniqueness check, the status check of every token, display
 * token and socket handshake) goes through two SECURITY DEFINER lookups that answer four columns of one
 * gym: never a list, never settings.
 *
 * `web_sessions`: holds every gym's signed-in cookies, and a session id is a bearer credential, so the
 * app role loses the table itself and keeps four functions that touch one session by its id (plus the
 * purge of expired ones). The knex bookkeeping tables stay readable (names of migrations only).
 */
const DIRECTORY_COLUMNS = 'id uuid, subdomain text, subscription_status text, subscription_plan text';
const FUNCTIONS = [
  'tenant_directory_by_subdomain(text)',
  'tenant_directory_by_id(uuid)',
  'web_session_get(text)',
  'web_session_put(text, jsonb, timestamptz)',
  'web_session_drop(text)',
  'web_session_purge(integer)',
];

export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  const visible = '(id = app_tenant() OR app_platform())';
  const definer = 'SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp';
  await runScript(knex, `
    ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
    ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON tenants USING ${visible} WITH CHECK ${visible};
    -- Forced RLS binds the owner too unless it is a superuser, and the lookups run as the owner (the
    -- migration role, which could lift the policies anyway; the app role is not one of its members).
    CREATE POLICY tenant_directory ON tenants FOR SELECT TO CURRENT_USER USING (true);

    -- What a gym is sold (plan, status, trial) and its address are set by the platform, not by the gym.
    CREATE FUNCTION guard_tenant_terms() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
      IF NOT app_platform() AND (NEW.id, NEW.subdomain, NEW.subscription_plan, NEW.subscription_status, NEW.trial_ends_at)
          IS DISTINCT FROM (OLD.id, OLD.subdomain, OLD.subscription_plan, OLD.subscription_status, OLD.trial_ends_at) THEN
        RAISE EXCEPTION 'only the platform changes a gym''s subdomain, plan or status' USING ERRCODE = '42501';
      END IF;
      RETURN NEW;
    END $f$;
    CREATE TRIGGER tenants_guard_terms BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION guard_tenant_terms();

    CREATE FUNCTION tenant_directory_by_subdomain(p_subdomain text) RETURNS TABLE (${DIRECTORY_COLUMNS})
      LANGUAGE sql STABLE ${definer} AS
      $f$ SELECT t.id, t.subdomain, t.subscription_status, t.subscription_plan FROM public.tenants t WHERE t.subdomain = p_subdomain $f$;
    CREATE FUNCTION tenant_directory_by_id(p_id uuid) RETURNS TABLE (${DIRECTORY_COLUMNS})
      LANGUAGE sql STABLE ${definer} AS
      $f$ SELECT t.id, t.subdomain, t.subscription_status, t.subscription_plan FROM public.tenants t WHERE t.id = p_id $f$;

    REVOKE ALL ON web_sessions FROM ${appRole};
    CREATE FUNCTION web_session_get(p_sid text) RETURNS jsonb LANGUAGE sql STABLE ${definer} AS
      $f$ SELECT s.data FROM public.web_sessions s WHERE s.sid = p_sid AND s.expires_at > now() $f$;
    CREATE FUNCTION web_session_put(p_sid text, p_data jsonb, p_expires_at timestamptz) RETURNS void LANGUAGE sql ${definer} AS
      $f$ INSERT INTO public.web_sessions AS s (sid, data, expires_at) VALUES (p_sid, p_data, p_expires_at)
          ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at $f$;
    CREATE FUNCTION web_session_drop(p_sid text) RETURNS void LANGUAGE sql ${definer} AS
      $f$ DELETE FROM public.web_sessions WHERE sid = p_sid $f$;
    CREATE FUNCTION web_session_purge(p_limit integer) RETURNS integer LANGUAGE sql ${definer} AS
      $f$ WITH gone AS (DELETE FROM public.web_sessions WHERE sid IN
            (SELECT sid FROM public.web_sessions WHERE expires_at < now() LIMIT least(greatest(p_limit, 0), 1000)) RETURNING 1)
          SELECT count(*)::int FROM gone $f$;

    ${FUNCTIONS.map((f) => `REVOKE ALL ON FUNCTION ${f} FROM PUBLIC; GRANT EXECUTE ON FUNCTION ${f} TO ${appRole};`).join('\n    ')}
  `);
}

export async function down(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `
    DROP FUNCTION IF EXISTS ${FUNCTIONS.join(', ')};
    GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO ${appRole};
    DROP TRIGGER IF EXISTS tenants_guard_terms ON tenants;
    DROP FUNCTION IF EXISTS guard_tenant_terms();
    DROP POLICY IF EXISTS tenant_directory ON tenants;
    DROP POLICY IF EXISTS tenant_isolation ON tenants;
    ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
  `);
}
