import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * Webhook endpoints and their delivery log. An endpoint keeps its own cursor into the gym's event log
 * (`last_seq`: every event up to it was delivered or given up), so delivery needs no queue of its own:
 * the next event of an endpoint is the first matching one after its cursor, which keeps the order per
 * endpoint and survives any restart. `lease_id`/`next_attempt_at` let one worker of the cluster at a
 * time hold an endpoint while it posts (claimed with FOR UPDATE SKIP LOCKED, see modules/webhooks/).
 *
 * The dispatcher finds due endpoints across gyms in one query: a transaction that sets
 * `app.webhook_dispatch` may READ endpoints and event counters of every tenant, and nothing else; the
 * claim and everything after it run in the gym's own scope.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  const dispatch = "coalesce(current_setting('app.webhook_dispatch', true), '') = 'on'";
  await runScript(knex, `
    CREATE TABLE webhook_endpoints (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
      events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 64),
      description text CHECK (description IS NULL OR length(description) <= 500),
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text CHECK (disabled_reason IS NULL OR disabled_reason IN ('gone', 'failing')),
      disabled_at timestamptz,
      secret text NOT NULL,
      previous_secret text,
      previous_secret_until timestamptz,
      last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      lease_id uuid,
      failing_since timestamptz,
      last_status integer,
      last_error text CHECK (last_error IS NULL OR length(last_error) <= 300),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX webhook_endpoints_due ON webhook_endpoints (next_attempt_at) WHERE enabled;
    ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
    ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON webhook_endpoints USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
    CREATE POLICY webhook_endpoints_dispatch ON webhook_endpoints FOR SELECT USING (${dispatch});
    CREATE POLICY event_counters_webhook_dispatch ON event_counters FOR SELECT USING (${dispatch});
    GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO ${appRole};

    -- One row per attempt: test sends have no seq.
    CREATE TABLE webhook_deliveries (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      endpoint_id uuid NOT NULL,
      seq bigint,
      event_type text NOT NULL CHECK (length(event_type) <= 64),
      message_id text NOT NULL CHECK (length(message_id) <= 128),
      attempt integer NOT NULL CHECK (attempt >= 1),
      outcome text NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'given_up', 'disabled', 'test')),
      status_code integer,
      latency_ms integer NOT NULL CHECK (latency_ms >= 0),
      response_excerpt text CHECK (response_excerpt IS NULL OR length(response_excerpt) <= 1024),
      error text CHECK (error IS NULL OR length(error) <= 300),
      attempted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, attempted_at DESC, id DESC);
    ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
    ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON webhook_deliveries USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
    GRANT SELECT, INSERT, DELETE ON webhook_deliveries TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP TABLE IF EXISTS webhook_deliveries;
    DROP TABLE IF EXISTS webhook_endpoints;
    DROP POLICY IF EXISTS event_counters_webhook_dispatch ON event_counters;
  `);
}
