import type { Knex } from 'knex';

interface ScriptConnection {
  exec?(sql: string): Promise<unknown>; // PGlite
  query(sql: string): Promise<unknown>; // pg.Client: the simple protocol takes several statements
}

/**
 * Runs a multi-statement SQL script on the migration's own connection, on either driver: PGlite takes
 * scripts only through `exec`, and going past knex keeps it from reading the script's `?` as bindings.
 */
export async function runScript(knex: Knex, script: string): Promise<void> {
  const conn = (await knex.client.acquireConnection()) as ScriptConnection;
  try {
    if (conn.exec) await conn.exec(script);
    else await conn.query(script);
  } finally {
    await knex.client.releaseConnection(conn);
  }
}
