import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * The app role may read which migrations ran, so that readiness (`/readyz`) can tell a schema behind
 * the code ("pending") from a current one; it still cannot change them.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `GRANT SELECT ON knex_migrations, knex_migrations_lock TO ${appRole};`);
}

export async function down(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `REVOKE SELECT ON knex_migrations, knex_migrations_lock FROM ${appRole};`);
}
