import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Lets the real-time sweeper find events whose emit was lost (a crash between commit and emit) without
 * opening a transaction per tenant: a transaction that sets `app.event_sweep` may READ the unpublished
 * rows of every tenant, and nothing else. Marking them published still goes through the tenant policy.
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    CREATE POLICY events_unpublished_sweep ON events FOR SELECT
      USING (published_at IS NULL AND coalesce(current_setting('app.event_sweep', true), '') = 'on');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP POLICY IF EXISTS events_unpublished_sweep ON events;`);
}
