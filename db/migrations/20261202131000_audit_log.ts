import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * Who did what to whom, when, from which address. Tenant rows are seen only in their tenant; platform
 * actions (tenant_id null) only in the platform scope. The app role may add rows but never change or
 * delete them: the log is append-only for the product itself.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  const visible = '(tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform()))';
  await runScript(knex, `
    CREATE TABLE audit_log (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
      actor_id uuid,
      actor_role text CHECK (actor_role IS NULL OR length(actor_role) <= 32),
      action text NOT NULL CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
      target_type text NOT NULL CHECK (length(target_type) BETWEEN 1 AND 32),
      target_id uuid,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      address text CHECK (address IS NULL OR length(address) <= 64),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX audit_log_by_time ON audit_log (tenant_id, created_at DESC, id DESC);
    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON audit_log USING ${visible} WITH CHECK ${visible};
    GRANT SELECT, INSERT ON audit_log TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP TABLE IF EXISTS audit_log;`);
}
