import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * What has been published is one number per tenant, `event_counters.published_seq`, instead of a mark
 * on every event row: marking rewrote each event a third time (insert, number, mark) with all its
 * indexes. Everything up to published_seq was emitted or lies before an emitted event, whose arrival
 * makes every receiver read the gap from the log; so the sweeper only re-emits numbered events past it
 * (and numbers what is still unnumbered).
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    ALTER TABLE event_counters ADD COLUMN published_seq bigint NOT NULL DEFAULT 0;
    UPDATE event_counters c SET published_seq = coalesce(
      (SELECT min(e.seq) - 1 FROM events e WHERE e.tenant_id = c.tenant_id AND e.seq IS NOT NULL AND e.published_at IS NULL),
      c.last_seq);
    DROP POLICY events_unpublished_sweep ON events;
    DROP INDEX events_unpublished;
    ALTER TABLE events DROP COLUMN published_at;

    -- The sweeper (a transaction that sets app.event_sweep) reads across tenants, and only what may
    -- still need emitting: the counters, and events unnumbered or past their tenant's published_seq.
    CREATE POLICY event_counters_sweep ON event_counters FOR SELECT
      USING (coalesce(current_setting('app.event_sweep', true), '') = 'on');
    CREATE POLICY events_unpublished_sweep ON events FOR SELECT
      USING (coalesce(current_setting('app.event_sweep', true), '') = 'on'
        AND (seq IS NULL OR seq > (SELECT c.published_seq FROM event_counters c WHERE c.tenant_id = events.tenant_id)));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP POLICY IF EXISTS events_unpublished_sweep ON events;
    DROP POLICY IF EXISTS event_counters_sweep ON event_counters;
    ALTER TABLE events ADD COLUMN published_at timestamptz;
    UPDATE events e SET published_at = now() FROM event_counters c
      WHERE c.tenant_id = e.tenant_id AND e.seq <= c.published_seq;
    CREATE INDEX events_unpublished ON events (tenant_id, seq) WHERE published_at IS NULL;
    CREATE POLICY events_unpublished_sweep ON events FOR SELECT
      USING (published_at IS NULL AND coalesce(current_setting('app.event_sweep', true), '') = 'on');
    ALTER TABLE event_counters DROP COLUMN published_seq;
  `);
}
