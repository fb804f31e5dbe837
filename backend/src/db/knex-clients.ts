/**
 * The one file that reaches into knex's internals, kept here so that a knex upgrade that changes them
 * breaks one file and its test (tests/api/knex-clients.test.ts), not the database layer. Two reasons:
 * a PostgreSQL transaction that opens with its settings and closes with a last statement in the same
 * round trips as BEGIN and COMMIT (knex has no public hook for either), and knex-pglite's answers to
 * deletes and increments.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access
   -- knex's dialect classes are untyped internals: this file is where they are confined. */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type pg from 'pg';

/** knex's connection pool, for statements that must hold one connection (knex types its client `any`). */
interface ConnectionPool {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(conn: pg.Client): Promise<unknown>;
}

/** Runs `work` on one pooled connection of `knex`, given back to the pool afterwards. */
export async function withConnection<T>(knex: Knex, work: (conn: pg.Client) => Promise<T>): Promise<T> {
  const pool = knex.client as ConnectionPool;
  const conn = await pool.acquireConnection();
  try {
    return await work(conn);
  } finally {
    await pool.releaseConnection(conn);
  }
}

/**
 * knex-pglite names a response's command after the builder method ('DEL'), where knex expects the SQL
 * command ('DELETE') to answer a delete or increment with its row count, as on pg.
 */
type ResponseProcessor = new (config: Knex.Config) => { processResponse(obj: { method?: string }, runner: unknown): unknown };
export class PgliteClient extends (ClientPgLite as unknown as ResponseProcessor) {
  override processResponse(obj: { method?: string }, runner: unknown): unknown {
    const method = obj.method === 'del' ? 'delete' : obj.method === 'counter' ? 'update' : obj.method;
    return super.processResponse({ ...obj, method }, runner);
  }
}

/**
 * knex's PostgreSQL client whose transactions can open with settings: BEGIN and the set_config calls go
 * out as one simple-protocol query, so a unit of work's tenant costs no round trip of its own.
 */
const require = createRequire(import.meta.url);
type KnexInternalClass = new (...args: any[]) => any;
const PgClientBase = require('knex/lib/dialects/postgres/index.js') as KnexInternalClass;
const PgTransactionBase = require('knex/lib/dialects/postgres/execution/pg-transaction.js') as KnexInternalClass;

/**
 * A string as a SQL literal, for statements that travel without bindings: E'…' with backslashes and
 * quotes escaped, and `?` written as \x3f so that knex never takes it for a placeholder.
 */
export const sqlLiteral = (value: string): string =>
  `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\?/g, '\\x3f')}'`;

export const setConfigCalls = (settings: Readonly<Record<string, string>>): string =>
  Object.entries(settings).map(([name, value]) => `set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`).join(', ');

interface SettingsConfig {
  settings?: Readonly<Record<string, string>>;
  /** A last statement (no bindings) to send with the COMMIT, in the same round trip; null for none. */
  beforeCommit?: () => string | null;
}

class SettingsTransaction extends PgTransactionBase {
  private readonly settings?: SettingsConfig['settings'];
  private readonly beforeCommit?: SettingsConfig['beforeCommit'];
  constructor(client: unknown, container: unknown, config: SettingsConfig | undefined, outerTx: unknown) {
    super(client, container, config, outerTx);
    // Read by begin() and commit(), which run once a connection is acquired (later than this constructor).
    this.settings = config?.settings;
    this.beforeCommit = config?.beforeCommit;
  }
  begin(conn: unknown): unknown {
    if (!this.settings || this.isolationLevel || this.readOnly) return super.begin(conn);
    return this.query(conn, `BEGIN; SELECT ${setConfigCalls(this.settings)};`);
  }
  async commit(conn: unknown, value: unknown): Promise<unknown> {
    const last = this.beforeCommit?.();
    if (!last) return super.commit(conn, value);
    try {
      await this.trxClient.query(conn, `${last}; COMMIT;`);
    } catch (err) {
      // PostgreSQL skips the COMMIT after a failed statement: end the transaction here, before the
      // connection goes back to the pool, and fail the unit of work with the statement's error.
      return this.query(conn, 'ROLLBACK;', 2, err);
    }
    this._completed = true;
    this._resolver(value);
    return undefined;
  }
}

export class SettingsPgClient extends PgClientBase {
  transaction(container: unknown, config: SettingsConfig | undefined, outerTx: unknown): unknown {
    return new SettingsTransaction(this, container, config, outerTx);
  }
}
