import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Events get their per-tenant `seq` after commit instead of inside the writing transaction. Numbering
 * inside it held the tenant's counter row locked from the first event to the end of the COMMIT, so a gym
 * committed one change at a time and waiting backends piled up on that row. Now a transaction appends
 * its events unnumbered (append_events, one statement, no shared row touched) and, once it has
 * committed, `sequence_events` numbers every committed unnumbered event of the tenant in one short
 * transaction. Numbers stay gapless and +1 (only committed rows are numbered, under the counter lock),
 * and follow the order of `id`, so an event a transaction could see is numbered before the events that
 * transaction writes.
 */
export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    ALTER TABLE events DROP CONSTRAINT events_pkey;
    ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
    ALTER TABLE events ALTER COLUMN seq DROP NOT NULL;
    CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, seq);
    CREATE INDEX events_unsequenced ON events (tenant_id, id) WHERE seq IS NULL;
    DROP FUNCTION append_event(text, jsonb);

    -- p_events: a JSON array of {type, payload}, in the order they happened.
    CREATE FUNCTION append_events(p_events jsonb) RETURNS void LANGUAGE plpgsql AS $f$
    DECLARE t uuid := app_tenant();
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'append_events needs a tenant context' USING ERRCODE = '42501'; END IF;
      INSERT INTO events (tenant_id, type, payload)
        SELECT t, x.e->>'type', x.e->'payload' FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, n) ORDER BY x.n;
    END $f$;

    -- Numbers the tenant's committed, unnumbered events (oldest id first) and returns them in seq order.
    -- Row by row on purpose: every statement here has one plan whatever the table's statistics say
    -- (a young, fast-growing log had set-based plans rescanning it per row).
    CREATE FUNCTION sequence_events(p_limit int DEFAULT 5000)
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
        RETURN QUERY UPDATE events e SET seq = last WHERE e.id = next_id RETURNING e.seq, e.type, e.payload, e.created_at;
      END LOOP;
      IF last > first THEN
        UPDATE event_counters c SET last_seq = last WHERE c.tenant_id = t;
      END IF;
    END $f$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION IF EXISTS sequence_events(int), append_events(jsonb);
    DELETE FROM events WHERE seq IS NULL;
    DROP INDEX IF EXISTS events_unsequenced;
    DROP INDEX IF EXISTS events_tenant_seq;
    ALTER TABLE events DROP CONSTRAINT events_pkey;
    ALTER TABLE events DROP COLUMN id;
    ALTER TABLE events ALTER COLUMN seq SET NOT NULL;
    ALTER TABLE events ADD PRIMARY KEY (tenant_id, seq);
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
  `);
}
