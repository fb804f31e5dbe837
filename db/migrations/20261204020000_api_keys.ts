import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * Integrators' API keys. Only the SHA-256 hash of a key is kept (the secret has 256 random bits, so a
 * fast hash is enough and every request is checked with one index lookup); `prefix` is the key's first
 * characters, shown so an owner can tell keys apart. The scopes are a fixed list enforced here as well.
 * A key belongs to the owner who made it: removing that person removes their keys.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `
    CREATE TABLE api_keys (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
      prefix text NOT NULL CHECK (length(prefix) BETWEEN 8 AND 32),
      token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      scopes jsonb NOT NULL CHECK (
        jsonb_typeof(scopes) = 'array' AND jsonb_array_length(scopes) BETWEEN 1 AND 5
        AND scopes <@ '["bookings:read", "bookings:write", "occupancy:read", "members:read", "webhooks:manage"]'::jsonb
      ),
      created_by uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      last_used_address text CHECK (last_used_address IS NULL OR length(last_used_address) <= 64),
      revoked_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT api_keys_token_hash_key UNIQUE (tenant_id, token_hash),
      FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX api_keys_by_creator ON api_keys (tenant_id, created_by);
    ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON api_keys USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
    GRANT SELECT, INSERT, UPDATE ON api_keys TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP TABLE IF EXISTS api_keys;`);
}
