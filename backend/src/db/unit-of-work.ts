/**
 * The one place that sets the tenant of a database transaction. Every tenant-scoped read or write runs
 * inside `inTenant`: a transaction that switches to the app role and sets `app.tenant_id` locally, so
 * row-level security confines it to that tenant, and a query outside any scope sees no tenant rows.
 * Events recorded inside the scope are written to the log in the same transaction and handed to the
 * publisher only after commit.
 */
import type { Knex } from 'knex';
import type { EventPayloads, EventType, StoredEvent } from '../contracts/events.js';
import type { Database } from './database.js';

export interface TenantScope {
  readonly trx: Knex.Transaction;
  readonly tenantId: string;
  /** Appends an event to the tenant's log in this transaction; it is published after commit. */
  record<T extends EventType>(type: T, payload: EventPayloads[T]): Promise<StoredEvent<T>>;
}

/** Receives the events of a transaction once it has committed. */
export interface EventSink {
  publish(events: StoredEvent[]): void;
}

export interface UnitOfWork {
  inTenant<T>(tenantId: string, work: (scope: TenantScope) => Promise<T>): Promise<T>;
  /** Platform-level work (tenant signup, platform admins): no tenant rows, platform rows visible. */
  inPlatform<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createUnitOfWork(db: Database, sink: EventSink): UnitOfWork {
  const { knex, appRole } = db;
  return {
    async inTenant(tenantId, work) {
      if (!UUID.test(tenantId)) throw new Error('inTenant needs a tenant uuid');
      const recorded: StoredEvent[] = [];
      const result = await knex.transaction(async (trx) => {
        await trx.raw("select set_config('role', ?, true), set_config('app.tenant_id', ?, true)", [appRole, tenantId]);
        const scope: TenantScope = {
          trx,
          tenantId,
          async record(type, payload) {
            const { rows } = (await trx.raw('select seq, created_at from append_event(?, ?::jsonb)', [
              type,
              JSON.stringify(payload),
            ])) as { rows: Array<{ seq: number; created_at: Date }> };
            const row = rows[0]!;
            const event = { tenant_id: tenantId, seq: Number(row.seq), type, payload, at: row.created_at.toISOString() };
            recorded.push(event);
            return event;
          },
        };
        return work(scope);
      });
      if (recorded.length) sink.publish(recorded);
      return result;
    },
    async inPlatform(work) {
      return knex.transaction(async (trx) => {
        await trx.raw("select set_config('role', ?, true), set_config('app.platform', 'on', true)", [appRole]);
        return work(trx);
      });
    },
  };
}
