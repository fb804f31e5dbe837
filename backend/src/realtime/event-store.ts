/**
 * The durable event log after commit: numbers committed events, reads them for replay, gap filling and
 * the sweeper, and moves each tenant's published mark. Tenant rows are read inside the tenant's unit of
 * work (row-level security); only the sweeper reads across tenants, and only what may still need
 * emitting (policies events_unpublished_sweep and event_counters_sweep).
 */
import type { EventType, StoredEvent } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { scopedQuery } from '../db/model.js';
import { EventCounter, LoggedEvent } from './event.model.js';

export interface EventStore {
  /** Numbers the tenant's committed, unnumbered events (sequence_events) and returns them in order. */
  sequence(tenantId: string): Promise<StoredEvent[]>;
  /** Events with seq > since, in order, at most `limit`. */
  since(tenantId: string, since: number, limit: number): Promise<StoredEvent[]>;
  /** The tenant's last seq (0 before its first event). */
  lastSeq(tenantId: string): Promise<number>;
  /** Everything up to `upTo` has been emitted (or precedes an emitted event). */
  markPublished(tenantId: string, upTo: number): Promise<void>;
  /**
   * What was lost between commit and emit: numbered events past the published mark after `olderThanMs`
   * (oldest first, at most `limit`) and the tenants with events still unnumbered after it. Empty when
   * another server holds the sweeper's lock: one sweeper at a time across the cluster.
   */
  stale(olderThanMs: number, limit: number): Promise<{ events: StoredEvent[]; unnumbered: string[] }>;
  /** Across the cluster: events committed but not yet emitted, and the age of the oldest (metrics). */
  lag(): Promise<{ events: number; oldestSeconds: number }>;
}

/** Events numbered per transaction at most; a longer backlog takes several. */
const SEQUENCE_PAGE = 5000;

/** pg advisory lock key of the sweeper ("gymflow events" in ASCII, folded into a bigint). */
const SWEEPER_LOCK = 0x67796d666c6f77;

/** An event as read by the model or answered by sequence_events(). */
type EventRow = Pick<LoggedEvent, 'tenant_id' | 'type' | 'payload'> & { seq: number | string | null; created_at: Date | string };

const toStored = (r: EventRow): StoredEvent => ({
  tenant_id: r.tenant_id,
  seq: Number(r.seq),
  type: r.type as EventType,
  payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as StoredEvent['payload'],
  at: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
});

const COLUMNS = ['tenant_id', 'seq', 'type', 'payload', 'created_at'];

export function createEventStore(deps: Pick<AppDeps, 'db' | 'uow'>): EventStore {
  const { db, uow } = deps;
  return {
    async sequence(tenantId) {
      const out: StoredEvent[] = [];
      for (;;) {
        // On the path of every event to the screens: one round trip, on the events' own connections.
        const rows = await uow.statementInScope<Omit<EventRow, 'tenant_id'>>(
          tenantId,
          `select seq, type, payload, created_at from sequence_events(${SEQUENCE_PAGE})`,
          'events',
        );
        for (const r of rows) out.push(toStored({ ...r, tenant_id: tenantId }));
        if (rows.length < SEQUENCE_PAGE) return out;
      }
    },
    async since(tenantId, since, limit) {
      const rows = await uow.inTenant(tenantId, async (scope) =>
        await scope.query(LoggedEvent).select(COLUMNS).where('seq', '>', since).orderBy('seq').limit(limit),
      );
      return rows.map(toStored);
    },
    async lastSeq(tenantId) {
      const row = await uow.inTenant(tenantId, async (scope) => await scope.query(EventCounter).select('last_seq').first());
      return row ? row.last_seq : 0;
    },
    async markPublished(tenantId, upTo) {
      if (!Number.isSafeInteger(upTo) || upTo < 1) return;
      await uow.statementInScope(
        tenantId,
        `update event_counters set published_seq = greatest(published_seq, ${upTo}) where tenant_id = app_tenant()`,
        'events',
      );
    },
    async lag() {
      // The sweeper's view (app.event_sweep): unnumbered events and those past their published mark.
      const [row] = await db.statement<{ events: number; oldest: number | null }>(
        { role: db.appRole, 'app.event_sweep': 'on' },
        // Per tenant from its mark (the (tenant_id, seq) index), plus the unnumbered ones (their partial index).
        `select count(*)::int as events, extract(epoch from clock_timestamp() - min(created_at))::float8 as oldest from (
           select e.created_at from event_counters c join events e on e.tenant_id = c.tenant_id and e.seq > c.published_seq
           union all select created_at from events where seq is null) lagging`,
      );
      return { events: row?.events ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
    },
    async stale(olderThanMs, limit) {
      return db.transaction({ role: db.appRole, 'app.event_sweep': 'on' }, async (trx) => {
        const lock = await trx.raw<{ rows: Array<{ ok: boolean }> }>('select pg_try_advisory_xact_lock(?::bigint) as ok', [SWEEPER_LOCK]);
        if (!lock.rows[0]?.ok) return { events: [], unnumbered: [] };
        const before = trx.raw('clock_timestamp() - make_interval(secs => ?)', [olderThanMs / 1000]);
        // Across gyms (the sweeper's policies), so no tenant in the scope.
        const rows = await scopedQuery(LoggedEvent, trx)
          .join('event_counters', 'event_counters.tenant_id', 'events.tenant_id')
          .select(COLUMNS.map((c) => `events.${c}`))
          .whereRaw('events.seq > event_counters.published_seq')
          .andWhere('events.created_at', '<', before)
          .orderBy([{ column: 'events.tenant_id' }, { column: 'events.seq' }])
          .limit(limit);
        const unnumbered = await scopedQuery(LoggedEvent, trx).distinct('tenant_id').whereNull('seq').andWhere('created_at', '<', before);
        return { events: rows.map(toStored), unnumbered: unnumbered.map((r) => r.tenant_id) };
      });
    },
  };
}
