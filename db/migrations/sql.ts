import type { Knex } from 'knex';

interface ScriptConnection {
  exec?(sql: string): Promise<unknown>; // PGlite
  query(sql: string): Promise<unknown>; // pg.Client: the simple protocol takes several statements
}

/** knex's client, as far as migrations use it (knex types it `any`). */
interface MigrationClient {
  config: { appRole?: string; appPassword?: string };
  acquireConnection(): Promise<ScriptConnection>;
  releaseConnection(conn: ScriptConnection): Promise<unknown>;
}
const clientOf = (knex: Knex) => knex.client as MigrationClient;

/** The app role the migrations grant to (and, on first set-up, its password). */
export function migrationConfig(knex: Knex): { appRole: string; appPassword?: string } {
  const { appRole = 'gym_app', appPassword } = clientOf(knex).config;
  return { appRole, appPassword };
}

/**
 * Runs a multi-statement SQL script on the migration's own connection, on either driver: PGlite takes
 * scripts only through `exec`, and going past knex keeps it from reading the script's `?` as bindings.
 */
export async function runScript(knex: Knex, script: string): Promise<void> {
  const client = clientOf(knex);
  const conn = await client.acquireConnection();
  try {
    if (conn.exec) await conn.exec(script);
    else await conn.query(script);
  } finally {
    await client.releaseConnection(conn);
  }
}
