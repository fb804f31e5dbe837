/**
 * Database series: query duration by statement kind, errors by SQLSTATE class, the pool (in use, idle,
 * waiting) and acquire timeouts, read off knex's query events and its tarn pool (nothing on the query
 * path but a timestamp); database-state.ts reads the migrations and people present on scrape.
 */
import client from 'prom-client';
import type { Knex } from 'knex';
import { registry } from './registry.js';
import { watchDatabaseState } from './database-state.js';

export const queryDuration = new client.Histogram({
  name: 'gymflow_db_query_duration_seconds',
  help: 'Database statement duration by kind (select, insert, update, delete, begin, commit, other)',
  labelNames: ['kind'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15],
  registers: [registry],
});

export const queryErrors = new client.Counter({
  name: 'gymflow_db_query_errors_total',
  help: 'Failed database statements by SQLSTATE class (first two characters; "connection" without one)',
  labelNames: ['class'] as const,
  registers: [registry],
});

export const acquireTimeouts = new client.Counter({
  name: 'gymflow_db_pool_acquire_timeouts_total',
  help: 'Requests for a pool connection that failed (timed out waiting, or the server refused)',
  registers: [registry],
});

interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
  on(event: 'acquireFail', listener: () => void): void;
}
let pool: PoolStats | undefined;

export const dbPool = new client.Gauge({
  name: 'gymflow_db_pool_connections',
  help: 'Database pool connections by state (in_use, idle, waiting: requests queued for one, max)',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: 'in_use' }, pool.numUsed());
    this.set({ state: 'idle' }, pool.numFree());
    this.set({ state: 'waiting' }, pool.numPendingAcquires());
    this.set({ state: 'max' }, pool.max);
  },
});

/** The statement's kind from its first keyword: a bounded label. */
export function statementKind(sql: string): string {
  const word = /^\s*(?:\/\*.*?\*\/\s*)?([a-z]+)/i.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  return ['select', 'insert', 'update', 'delete', 'begin', 'commit', 'rollback', 'with', 'set', 'savepoint', 'release'].includes(word) ? word : 'other';
}

/** SQLSTATE class of a failed statement; "connection" for the driver's errors without one. */
export function sqlstateClass(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code.slice(0, 2) : 'connection';
}

/** Times one statement sent outside knex's builder (Database.statement). */
export async function timeStatement<T>(sql: string, run: () => Promise<T>): Promise<T> {
  const end = queryDuration.startTimer({ kind: statementKind(sql.replace(/^\s*SELECT set_config\(.*?\);\s*/is, '')) });
  try {
    return await run();
  } catch (err) {
    queryErrors.inc({ class: sqlstateClass(err) });
    throw err;
  } finally {
    end();
  }
}

/** Watches a knex instance: its statements, errors and pool. */
export function watchDatabase(knex: Knex, migrations: readonly { name: string }[]): void {
  const started = new Map<string, { at: bigint; kind: string }>();
  const finish = (obj: { __knexQueryUid?: string } | undefined) => {
    const uid = obj?.__knexQueryUid;
    const start = uid ? started.get(uid) : undefined;
    if (!start) return;
    started.delete(uid!);
    queryDuration.observe({ kind: start.kind }, Number(process.hrtime.bigint() - start.at) / 1e9);
  };
  knex.on('query', (obj: { __knexQueryUid?: string; sql?: string } | undefined) => {
    if (obj?.__knexQueryUid) started.set(obj.__knexQueryUid, { at: process.hrtime.bigint(), kind: statementKind(obj.sql ?? '') });
  });
  knex.on('query-response', (_response: unknown, obj: { __knexQueryUid?: string }) => finish(obj));
  knex.on('query-error', (err: unknown, obj: { __knexQueryUid?: string }) => {
    finish(obj);
    queryErrors.inc({ class: sqlstateClass(err) });
  });
  pool = (knex.client as { pool?: PoolStats }).pool;
  pool?.on('acquireFail', () => acquireTimeouts.inc());
  watchDatabaseState(knex, migrations.map((m) => m.name));
}
