import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Revocations live in the database, the authority that survives restarts and a lost Redis write:
 * every access token and web session of a person issued up to `tokens_valid_after` is over (set at
 * deactivation, role change and password reset). Ended logins are the revoked rows of refresh_tokens.
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz;`);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `ALTER TABLE users DROP COLUMN IF EXISTS tokens_valid_after;`);
}
