import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Usernames are unique per tenant regardless of case (`Owner` next to `owner` would let one person
 * pass for another), the platform's too (NULLS NOT DISTINCT). Sign-in looks them up by lower().
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `CREATE UNIQUE INDEX users_username_ci ON users (tenant_id, lower(username)) NULLS NOT DISTINCT;`);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP INDEX IF EXISTS users_username_ci;`);
}
