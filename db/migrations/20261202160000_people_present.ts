import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * People checked in now, for the metrics: the total over every tenant and the busiest gyms, as counts
 * only. The app role cannot read other tenants' areas, so the function runs as the schema's owner; the
 * owner's own read policy is for this function (FORCE ROW LEVEL SECURITY applies to a non-superuser
 * owner too), and no policy of the app role changes.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `
    CREATE POLICY owner_counts_people ON gym_areas FOR SELECT TO CURRENT_USER USING (true);
    -- One row with gym NULL (the total), then up to top_n gyms (at most 20) with someone in.
    CREATE FUNCTION people_present(top_n integer) RETURNS TABLE (gym text, people bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
      SELECT NULL::text, coalesce(sum(current_users), 0)::bigint FROM gym_areas
      UNION ALL (
        SELECT t.subdomain, sum(a.current_users)::bigint FROM gym_areas a JOIN tenants t ON t.id = a.tenant_id
        GROUP BY t.subdomain HAVING sum(a.current_users) > 0
        ORDER BY 2 DESC, 1 LIMIT least(greatest(top_n, 0), 20)
      )
    $f$;
    REVOKE ALL ON FUNCTION people_present(integer) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION people_present(integer) TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION IF EXISTS people_present(integer);
    DROP POLICY IF EXISTS owner_counts_people ON gym_areas;
  `);
}
