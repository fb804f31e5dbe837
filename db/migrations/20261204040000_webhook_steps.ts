import type { Knex } from 'knex';
import { runScript } from './sql.js';

/**
 * Webhook delivery in one statement per event. `webhook_claim` leases due endpoints of the scope's gym
 * (the ones named, or any) with the next event each wants; `webhook_record` writes an attempt's outcome
 * and the log row and, after a success, leases the endpoint's next event in the same transaction. So a
 * delivery costs one round trip beside its POST instead of three transactions (the due read, the
 * claim, the record), with the same guarantees: FOR UPDATE SKIP LOCKED and the lease keep one worker
 * per endpoint, the cursor moves only under the lease, and an unrecorded post is posted again.
 *
 * Both run as the caller (the app role, in the gym's scope): row-level security applies as before.
 * `p_types` is every event type of the contract, so the match equals modules/webhooks' own.
 */
const CLAIM_COLUMNS = `endpoint_id uuid, url text, secret text, previous_secret text, previous_secret_until timestamptz,
  attempts int, failing_since timestamptz, lease_id uuid, seq bigint, type text, payload jsonb, created_at timestamptz`;

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    -- The first event after p_after (up to p_up_to) that subscriptions (types and <domain>:*) match.
    CREATE FUNCTION webhook_next_event(p_events text[], p_after bigint, p_up_to bigint, p_types text[])
    RETURNS TABLE (seq bigint, type text, payload jsonb, created_at timestamptz) LANGUAGE sql STABLE AS $f$
      SELECT ev.seq, ev.type, ev.payload, ev.created_at FROM events ev
       WHERE ev.tenant_id = app_tenant() AND ev.seq > p_after AND ev.seq <= p_up_to
         AND ev.type = ANY (ARRAY(SELECT x FROM unnest(p_types) x WHERE EXISTS (
               SELECT 1 FROM unnest(p_events) s WHERE s = x OR (right(s, 2) = ':*' AND starts_with(x, left(s, -1))))))
       ORDER BY ev.seq LIMIT 1
    $f$;

    CREATE FUNCTION webhook_claim(p_endpoints uuid[], p_limit int, p_lease_secs float8, p_types text[])
    RETURNS TABLE (${CLAIM_COLUMNS}) LANGUAGE plpgsql AS $f$
    #variable_conflict use_column
    DECLARE
      t uuid := app_tenant();
      up_to bigint;
      ep webhook_endpoints;
      n_seq bigint; n_type text; n_payload jsonb; n_at timestamptz;
      lease uuid;
      claimed int := 0;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'webhook_claim needs a tenant context' USING ERRCODE = '42501'; END IF;
      SELECT c.last_seq INTO up_to FROM event_counters c WHERE c.tenant_id = t;
      IF up_to IS NULL OR p_limit < 1 THEN RETURN; END IF;
      FOR ep IN SELECT * FROM webhook_endpoints e
          WHERE e.tenant_id = t AND e.enabled AND e.next_attempt_at <= clock_timestamp() AND e.last_seq < up_to
            AND (p_endpoints IS NULL OR e.id = ANY (p_endpoints))
          ORDER BY e.next_attempt_at FOR UPDATE SKIP LOCKED LOOP
        n_seq := NULL;
        SELECT x.seq, x.type, x.payload, x.created_at INTO n_seq, n_type, n_payload, n_at
          FROM webhook_next_event(ep.events, ep.last_seq, up_to, p_types) x;
        IF n_seq IS NULL THEN
          -- Nothing this endpoint wants up to the gym's last event: the cursor skips ahead.
          UPDATE webhook_endpoints e SET last_seq = up_to, attempts = 0 WHERE e.tenant_id = t AND e.id = ep.id;
          CONTINUE;
        END IF;
        lease := gen_random_uuid();
        endpoint_id := ep.id; url := ep.url; secret := ep.secret; previous_secret := ep.previous_secret;
        previous_secret_until := ep.previous_secret_until; attempts := ep.attempts; failing_since := ep.failing_since;
        lease_id := lease; seq := n_seq; type := n_type; payload := n_payload; created_at := n_at;
        UPDATE webhook_endpoints e SET lease_id = lease,
               next_attempt_at = clock_timestamp() + make_interval(secs => p_lease_secs)
         WHERE e.tenant_id = t AND e.id = ep.id;
        RETURN NEXT;
        claimed := claimed + 1;
        EXIT WHEN claimed >= p_limit;
      END LOOP;
    END $f$;

    -- p_outcome: delivered | given_up (the cursor moves on) | retrying (again in p_retry_secs) | disabled
    -- (p_reason). Only while the lease is still ours does the endpoint change; the log row is always written.
    CREATE FUNCTION webhook_record(p_endpoint uuid, p_lease uuid, p_seq bigint, p_type text, p_message_id text,
        p_attempt int, p_outcome text, p_status int, p_latency int, p_excerpt text, p_error text, p_last_error text,
        p_retry_secs float8, p_failing_since timestamptz, p_reason text, p_next boolean, p_lease_secs float8, p_types text[])
    RETURNS TABLE (${CLAIM_COLUMNS}) LANGUAGE plpgsql AS $f$
    #variable_conflict use_column
    DECLARE
      t uuid := app_tenant();
      ep webhook_endpoints;
      n_seq bigint; n_type text; n_payload jsonb; n_at timestamptz;
      up_to bigint;
      moves boolean := p_outcome IN ('delivered', 'given_up');
      lease uuid;
    BEGIN
      IF t IS NULL THEN RAISE EXCEPTION 'webhook_record needs a tenant context' USING ERRCODE = '42501'; END IF;
      SELECT * INTO ep FROM webhook_endpoints e WHERE e.tenant_id = t AND e.id = p_endpoint FOR UPDATE;
      IF NOT FOUND THEN RETURN; END IF; -- deleted meanwhile
      INSERT INTO webhook_deliveries (tenant_id, endpoint_id, seq, event_type, message_id, attempt, outcome,
          status_code, latency_ms, response_excerpt, error)
        VALUES (t, p_endpoint, p_seq, p_type, p_message_id, p_attempt, p_outcome, p_status, p_latency, p_excerpt, p_error);
      -- A lease lost (it expired, or an owner disabled or rewound the endpoint) leaves it to its new holder.
      IF ep.lease_id IS DISTINCT FROM p_lease THEN RETURN; END IF;
      IF moves THEN
        SELECT c.last_seq INTO up_to FROM event_counters c WHERE c.tenant_id = t;
        IF p_next AND ep.enabled THEN
          SELECT x.seq, x.type, x.payload, x.created_at INTO n_seq, n_type, n_payload, n_at
            FROM webhook_next_event(ep.events, p_seq, up_to, p_types) x;
        END IF;
        IF n_seq IS NOT NULL THEN lease := gen_random_uuid(); END IF;
      END IF;
      UPDATE webhook_endpoints e SET
          last_status = p_status, last_error = p_last_error, updated_at = clock_timestamp(),
          last_seq = CASE WHEN NOT moves THEN e.last_seq
                          WHEN n_seq IS NULL AND p_next AND coalesce(up_to, 0) > p_seq THEN up_to ELSE p_seq END,
          attempts = CASE WHEN moves THEN 0 ELSE p_attempt END,
          failing_since = CASE WHEN p_outcome = 'delivered' THEN NULL ELSE p_failing_since END,
          next_attempt_at = CASE WHEN lease IS NOT NULL THEN clock_timestamp() + make_interval(secs => p_lease_secs)
                                 WHEN p_outcome = 'disabled' THEN e.next_attempt_at
                                 ELSE clock_timestamp() + make_interval(secs => coalesce(p_retry_secs, 0)) END,
          lease_id = lease,
          enabled = e.enabled AND p_outcome <> 'disabled',
          disabled_reason = CASE WHEN p_outcome = 'disabled' THEN p_reason ELSE e.disabled_reason END,
          disabled_at = CASE WHEN p_outcome = 'disabled' THEN clock_timestamp() ELSE e.disabled_at END
        WHERE e.tenant_id = t AND e.id = p_endpoint;
      IF lease IS NULL THEN RETURN; END IF;
      endpoint_id := ep.id; url := ep.url; secret := ep.secret; previous_secret := ep.previous_secret;
      previous_secret_until := ep.previous_secret_until; attempts := 0;
      failing_since := CASE WHEN p_outcome = 'delivered' THEN NULL ELSE p_failing_since END;
      lease_id := lease; seq := n_seq; type := n_type; payload := n_payload; created_at := n_at;
      RETURN NEXT;
    END $f$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION IF EXISTS webhook_record(uuid, uuid, bigint, text, text, int, text, int, int, text, text, text, float8, timestamptz, text, boolean, float8, text[]);
    DROP FUNCTION IF EXISTS webhook_claim(uuid[], int, float8, text[]);
    DROP FUNCTION IF EXISTS webhook_next_event(text[], bigint, bigint, text[]);
  `);
}
