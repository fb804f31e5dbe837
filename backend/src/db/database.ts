/**
 * The one database layer, for two drivers: PostgreSQL through `pg` when DATABASE_URL is set, and the
 * embedded PGlite (real Postgres in WebAssembly) otherwise. Both run the same migrations and hand the
 * domain the same knex API; values come back in the same shapes (int8 and numeric as numbers, dates
 * as 'YYYY-MM-DD' strings).
 */
import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { migrations } from '../../../db/migrations/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { timeStatement } from '../metrics/database.js';
import { PgliteClient, SettingsPgClient, setConfigCalls, withConnection } from './knex-clients.js';

export { sqlLiteral } from './knex-clients.js';

export interface Database {
  /** Queries run as the app role: no superuser, no BYPASSRLS, so row-level security always applies. */
  readonly knex: Knex;
  readonly driver: 'pg' | 'pglite';
  readonly appRole: string;
  /**
   * A transaction whose settings (`set_config(name, value, true)`: local to it) are in force before
   * `work` runs. On PostgreSQL they travel with the BEGIN, in the same round trip, and the statement
   * `beforeCommit` returns (if any; no bindings) travels with the COMMIT.
   */
  transaction<T>(
    settings: Readonly<Record<string, string>>,
    work: (trx: Knex.Transaction) => Promise<T>,
    beforeCommit?: () => string | null,
  ): Promise<T>;
  /**
   * One statement (without bindings) in a transaction of its own with these settings, in a single round
   * trip on PostgreSQL: the settings and the statement go out as one simple-protocol query, which
   * PostgreSQL runs as one implicit transaction (all of it commits, or none of it).
   */
  statement<R>(settings: Readonly<Record<string, string>>, sql: string, lane?: Lane): Promise<R[]>;
  /**
   * Runs `work` unless another process of the cluster is running work under the same key (a session
   * advisory lock on PostgreSQL, held on one connection for the whole of `work`); null when skipped.
   */
  exclusively<T>(key: bigint, work: () => Promise<T>): Promise<T | null>;
  /** How many migrations of this code have not run on the database (knex's migrate.list). */
  pendingMigrations(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Which connections a statement uses: the requests' pool, or the events' own small one. Numbering and
 * publishing events must not queue behind a burst of requests waiting for a connection (a class
 * release: 2,000 bookings at once), or every screen would wait as long as the last request.
 */
export type Lane = 'requests' | 'events';
const EVENT_LANE_CONNECTIONS = 2;

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

const migrationSource: Knex.MigrationSource<(typeof migrations)[number]> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m),
};

/** Brings the schema up to date. Runs as the connecting (owner) user, never as the app role. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

const PERMISSION_DENIED = '42501';
const UNDEFINED_TABLE = '42P01';

/**
 * Migrations of this code not yet applied, in one query on knex's table (a readiness probe under load
 * has no time for the several of knex's migrate.list). The app role reads that table only once the
 * migration that grants it ran, so "permission denied" means pending too (and an unmigrated database
 * has no app role to log in with: that is the database being down).
 */
async function pendingMigrations(knex: Knex): Promise<number> {
  try {
    const names = migrations.map((m) => m.name);
    const [row] = await knex('knex_migrations').whereIn('name', names).countDistinct({ n: 'name' });
    return names.length - Number(row?.n ?? 0);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === PERMISSION_DENIED || code === UNDEFINED_TABLE) return migrations.length;
    throw err;
  }
}

/** knex's warnings and errors (connection errors, stacks) as JSON lines of our logger, never plain text. */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  const quiet = () => undefined;
  if (!log) return { warn: quiet, error: quiet, deprecate: quiet, debug: quiet };
  const line = (message: unknown) => (typeof message === 'string' ? message.split('\n')[0] : message);
  return {
    warn: (message: unknown) => log.warn({ source: 'knex', detail: line(message) }, 'database warning'),
    error: (message: unknown) => log.error({ source: 'knex', detail: line(message) }, 'database error'),
    deprecate: (method: string, alternative: string) => log.debug({ source: 'knex', method, alternative }, 'knex deprecation'),
    debug: (message: unknown) => log.debug({ source: 'knex', detail: message }, 'knex debug'),
  };
}

export async function openDatabase(
  cfg: Config['database'],
  options: { migrate: boolean; log?: Logger } = { migrate: true },
): Promise<Database> {
  const appRole = cfg.appRole;
  const log = knexLog(options.log);
  if (cfg.driver === 'pg') {
    if (options.migrate) {
      const owner = knexFactory({ client: 'pg', connection: cfg.url, pool: { min: 0, max: 1 }, log, appRole, appPassword: cfg.appPassword } as Knex.Config);
      try {
        await migrateLatest(owner);
      } finally {
        await owner.destroy();
      }
    }
    // The app logs in as the app role itself, so no statement can switch back to a privileged user.
    const url = new URL(cfg.url);
    url.username = appRole;
    url.password = cfg.appPassword ?? '';
    const pool = (max: number): Knex => knexFactory({
      client: SettingsPgClient as unknown as typeof Knex.Client,
      connection: url.toString(),
      log,
      pool: {
        min: 0,
        max,
        afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
          // A connection the server drops while idle (a restart) is logged once, as JSON; knex discards it.
          conn.on('error', (err) => options.log?.warn({ source: 'pg', err: err.message, code: (err as { code?: string }).code }, 'database connection lost'));
          conn.query(`SET statement_timeout = '15s'`, (err) => done(err, conn));
        },
      },
    });
    const knex = pool(cfg.poolMax);
    const events = pool(EVENT_LANE_CONNECTIONS);
    return {
      knex,
      driver: 'pg',
      appRole,
      transaction: (settings, work, beforeCommit) => knex.transaction(work, { settings, beforeCommit } as Knex.TransactionConfig),
      statement: <R>(settings: Readonly<Record<string, string>>, sql: string, lane: Lane = 'requests') =>
        withConnection(lane === 'events' ? events : knex, async (conn) => {
          const results = (await timeStatement(sql, () => conn.query(`SELECT ${setConfigCalls(settings)}; ${sql}`))) as unknown as pg.QueryResult[];
          return results[1]!.rows as R[];
        }),
      exclusively: <T>(key: bigint, work: () => Promise<T>) =>
        withConnection(knex, async (conn): Promise<T | null> => {
          const { rows } = await conn.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [key.toString()]);
          if (!rows[0]?.ok) return null;
          try {
            return await work();
          } finally {
            await conn.query('select pg_advisory_unlock($1::bigint)', [key.toString()]);
          }
        }),
      pendingMigrations: () => pendingMigrations(knex),
      close: () => Promise.all([knex.destroy(), events.destroy()]).then(() => undefined),
    };
  }

  if (!cfg.dataDir.startsWith('memory://')) fs.mkdirSync(cfg.dataDir, { recursive: true });
  const pglite = await PGlite.create(cfg.dataDir, {
    extensions: { btree_gist },
    parsers: {
      [pgliteTypes.INT8]: (v: string) => Number(v),
      [pgliteTypes.NUMERIC]: (v: string) => Number(v),
      [pgliteTypes.DATE]: (v: string) => v,
    },
  });
  const knex = knexFactory({ client: PgliteClient as unknown as typeof Knex.Client, connection: () => ({ pglite }), log, appRole } as Knex.Config);
  // PGlite is single-user with one connection: migrate as its owner, then switch the connection to the
  // app role (and every transaction switches again, see unit-of-work). The process owns the data files,
  // so the role is a guard against mistakes in our queries, not against the process itself.
  await migrateLatest(knex);
  await knex.raw(`SET ROLE ${appRole}`);
  const transaction = <T>(
    settings: Readonly<Record<string, string>>,
    work: (trx: Knex.Transaction) => Promise<T>,
    beforeCommit?: () => string | null,
  ) =>
    knex.transaction(async (trx) => {
      await trx.raw(`select ${setConfigCalls(settings)}`);
      const value = await work(trx);
      const last = beforeCommit?.();
      if (last) await trx.raw(last);
      return value;
    });
  return {
    knex,
    driver: 'pglite',
    appRole,
    // In process: a separate statement costs nothing worth saving.
    transaction,
    statement: async <R>(settings: Readonly<Record<string, string>>, sql: string) =>
      transaction(settings, async (trx) => (await trx.raw<{ rows: R[] }>(sql)).rows),
    // One process owns the embedded database: only its own runs can overlap.
    exclusively: inProcessOnly(),
    pendingMigrations: () => pendingMigrations(knex),
    close: () => knex.destroy(),
  };
}

function inProcessOnly(): Database['exclusively'] {
  const running = new Set<bigint>();
  return async (key, work) => {
    if (running.has(key)) return null;
    running.add(key);
    try {
      return await work();
    } finally {
      running.delete(key);
    }
  };
}
