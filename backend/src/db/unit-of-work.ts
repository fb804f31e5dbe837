/**
 * The one place that sets the tenant of a database transaction. Every tenant-scoped read or write runs
 * inside `inTenant`: a transaction that switches to the app role and sets `app.tenant_id` locally, so
 * row-level security confines it to that tenant, and a query outside any scope sees no tenant rows.
 * Events recorded inside the scope are written to the log in the same transaction, in one statement sent
 * with the COMMIT, and the sink hears of them only after commit (it numbers and publishes them).
 */
import type { Knex } from 'knex';
import type { Model } from 'objection';
import type { EventPayloads, EventType } from '../contracts/events.js';
import { sqlLiteral, type Database, type Lane } from './database.js';
import { isUuid } from '../contracts/common.js';
import { scopedQuery, type ModelOf } from './model.js';

export interface TenantScope {
  readonly trx: Knex.Transaction;
  readonly tenantId: string;
  /** A model's query in this transaction, filtered to this tenant (db/model.ts). */
  readonly query: <M extends Model>(model: ModelOf<M>) => M['QueryBuilderType'];
  /** Adds an event to the tenant's log with this transaction; it is numbered and published after commit. */
  record<T extends EventType>(type: T, payload: EventPayloads[T]): void;
  /** A statement of this transaction appended events itself (a database function): publish them after commit too. */
  appended(): void;
}

/**
 * What work receives in either scope: its transaction and its tenant (null in the platform scope). A
 * TenantScope is one; events are recorded only where a tenant is known, through `inTenant`.
 */
export interface Scope {
  readonly trx: Knex.Transaction;
  readonly tenantId: string | null;
  /** A model's query in this transaction, filtered to the tenant when there is one (db/model.ts). */
  readonly query: <M extends Model>(model: ModelOf<M>) => M['QueryBuilderType'];
}

/** Hears that a tenant has committed new events (still unnumbered in the log). */
export interface EventSink {
  committed(tenantId: string): void;
}

/** For processes that only write (migrations, seeding): a server's sweeper numbers and publishes later. */
export const LATER: EventSink = { committed: () => undefined };

export interface UnitOfWork {
  inTenant<T>(tenantId: string, work: (scope: TenantScope) => Promise<T>): Promise<T>;
  /**
   * One statement (no bindings, records no events) in the tenant's scope, or the platform's for null, in
   * a single round trip; on the events' own connections for `lane` 'events' (db/database.ts).
   */
  statementInScope<R>(tenantId: string | null, sql: string, lane?: Lane): Promise<R[]>;
  /**
   * One statement in the tenant's scope that may append events itself (a database function calling
   * append_events), in a single round trip. `settle` turns its rows into the answer and says whether
   * events were appended, so that they are published; it may throw only for answers that wrote nothing.
   */
  statementInTenant<T>(tenantId: string, sql: string, settle: (rows: unknown[]) => Settled<T>): Promise<T>;
  /** Platform-level work (tenant signup, platform admins): no tenant rows, platform rows visible. */
  inPlatform<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /**
   * The scope a caller's tenant implies: the tenant's for a tenant id, the platform's for null (platform
   * users, platform tokens), so code serving both kinds of caller does not branch on the scope itself.
   */
  inScope<T>(tenantId: string | null, work: (scope: Scope) => Promise<T>): Promise<T>;
}

/** `inScope` built on a unit of work's own `inTenant` and `inPlatform` (for every implementation of it). */
export function runInScope<T>(
  uow: Pick<UnitOfWork, 'inTenant' | 'inPlatform'>,
  tenantId: string | null,
  work: (scope: Scope) => Promise<T>,
): Promise<T> {
  return tenantId === null
    ? uow.inPlatform((trx) => work({ trx, tenantId: null, query: (model) => scopedQuery(model, trx) }))
    : uow.inTenant(tenantId, work);
}

/** What a statement's rows come to, and whether the statement appended events. */
export interface Settled<T> {
  value: T;
  appended: boolean;
}

/** `statementInTenant` as a transaction of `inTenant` (for units of work that add to every transaction). */
export function statementInTransaction<T>(
  uow: Pick<UnitOfWork, 'inTenant'>,
  tenantId: string,
  sql: string,
  settle: (rows: unknown[]) => Settled<T>,
): Promise<T> {
  return uow.inTenant(tenantId, async (scope) => {
    const { rows } = await scope.trx.raw<{ rows: unknown[] }>(sql);
    const { value, appended } = settle(rows);
    if (appended) scope.appended();
    return value;
  });
}

export function createUnitOfWork(db: Database, sink: EventSink): UnitOfWork {
  const { appRole } = db;
  const uow: UnitOfWork = {
    async inTenant(tenantId, work) {
      if (!isUuid(tenantId)) throw new Error('inTenant needs a tenant uuid');
      const recorded: Array<{ type: EventType; payload: unknown }> = [];
      const appended = { byStatement: false };
      const result = await db.transaction(
        { role: appRole, 'app.tenant_id': tenantId },
        (trx) => work({
          trx,
          tenantId,
          query: (model) => scopedQuery(model, trx, tenantId),
          record: (type, payload) => void recorded.push({ type, payload }),
          appended: () => void (appended.byStatement = true),
        }),
        // The events travel with the COMMIT.
        () => (recorded.length ? `select append_events(${sqlLiteral(JSON.stringify(recorded))}::jsonb)` : null),
      );
      if (recorded.length || appended.byStatement) sink.committed(tenantId);
      return result;
    },
    statementInScope(tenantId, sql, lane) {
      if (tenantId === null) return db.statement({ role: appRole, 'app.platform': 'on' }, sql, lane);
      if (!isUuid(tenantId)) throw new Error('statementInScope needs a tenant uuid');
      return db.statement({ role: appRole, 'app.tenant_id': tenantId }, sql, lane);
    },
    async statementInTenant(tenantId, sql, settle) {
      if (!isUuid(tenantId)) throw new Error('statementInTenant needs a tenant uuid');
      const { value, appended } = settle(await db.statement({ role: appRole, 'app.tenant_id': tenantId }, sql));
      if (appended) sink.committed(tenantId);
      return value;
    },
    async inPlatform(work) {
      return db.transaction({ role: appRole, 'app.platform': 'on' }, work);
    },
    inScope: (tenantId, work) => runInScope(uow, tenantId, work),
  };
  return uow;
}
