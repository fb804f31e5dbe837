/**
 * Every server process runs a dispatcher: woken by the publisher with the events it numbered here, and
 * polling now and then for the rest (events numbered by other processes, retries coming due, work
 * left by a process that died), so a restart or a Redis outage loses nothing: the state lives in
 * PostgreSQL only. A wake names the gyms with new events, so their endpoints are claimed at once in
 * each gym's scope; the poll finds due endpoints across gyms in one read (the webhook_dispatch
 * policies) first. Claims hold leases, so the processes of a cluster share the work and never post
 * the same endpoint at once.
 */
import type { StoredEvent } from '../../contracts/events.js';
import type { AppDeps } from '../../deps.js';
import { LRUCache } from 'lru-cache';
import { claimDue, post, recordAttempt, type Claim } from './delivery.js';

export interface Dispatcher {
  /** New events may be there (of these events' gyms, or anywhere when none are given): look soon. */
  wake(events?: readonly Pick<StoredEvent, 'tenant_id'>[]): void;
  /** A look across gyms soon (tests); resolves once it ran and the deliveries it left are done. */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

type Deps = Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>;

/** A lane lets an endpoint go after this many events in a row, so the others waiting get their turn. */
const TURN = 20;

/**
 * Whether a gym has an enabled endpoint is known for this long: most gyms have none, and a wake for
 * one of them then costs no statement per booking. An endpoint made meanwhile misses only the wake,
 * not its events: the poll finds it.
 */
const ENDPOINTS_KNOWN_MS = 1000;

/** Gyms with due endpoints, the longest waiting first, in one statement across gyms. */
async function dueTenants(deps: Deps, limit: number): Promise<string[]> {
  const rows = await deps.db.statement<{ tenant_id: string }>(
    { role: deps.db.appRole, 'app.webhook_dispatch': 'on' },
    `select tenant_id from (select e.tenant_id, min(e.next_attempt_at) as waiting from webhook_endpoints e
        join event_counters c on c.tenant_id = e.tenant_id
       where e.enabled and e.next_attempt_at <= clock_timestamp() and e.last_seq < c.last_seq
       group by e.tenant_id) due order by waiting limit ${Math.trunc(limit)}`,
  );
  return rows.map((r) => r.tenant_id);
}

export function startDispatcher(deps: Deps): Dispatcher {
  const config = deps.config.webhooks;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  /** A due read across gyms is wanted (the poll, or a wake that named no gym). */
  let polling = false;
  /** Gyms that may have due endpoints not yet claimed: new events, or more than the free lanes took. */
  const woken = new Set<string>();
  /** Endpoints being delivered by this process, one lane each, at most `concurrency`. */
  const lanes = new Set<Promise<void>>();
  /** pass() callers, answered by the next round that reads across gyms, once the lanes it leaves are done. */
  const passes: Array<() => void> = [];
  const endpointsOf = new LRUCache<string, boolean>({ max: 10_000, ttl: ENDPOINTS_KNOWN_MS });
  const hasEndpoints = async (tenantId: string): Promise<boolean> => {
    let known = endpointsOf.get(tenantId);
    if (known === undefined) {
      const [row] = await deps.uow.statementInScope<{ any: boolean }>(tenantId, 'select exists (select 1 from webhook_endpoints where enabled) as any');
      known = row?.any === true;
      endpointsOf.set(tenantId, known);
    }
    return known;
  };

  /** Delivers a claimed endpoint's events one after another: each record leases the next. */
  const drain = (first: Claim) => {
    const lane = (async () => {
      let claim: Claim | null = first;
      try {
        for (let turn = 1; claim; turn++) {
          const result = await post(claim, config);
          const ok = result.status !== null && result.status >= 200 && result.status < 300;
          const more = ok && !stopped && turn < TURN;
          claim = await recordAttempt(deps.uow, config, claim, result, more);
          // Once more after a success: its turn may be over, not its events, and an event numbered while
          // the record ran was not seen by it, while its wake's claim found the endpoint still leased.
          if (ok && !claim && !stopped) woken.add(first.tenantId);
        }
      } catch (err) {
        if (!stopped) deps.log.warn({ err: (err as Error).message, tenantId: first.tenantId, endpointId: first.endpointId }, 'webhook delivery failed; retried on the next pass');
      }
    })();
    lanes.add(lane);
    void lane.finally(() => {
      lanes.delete(lane);
      if (!stopped && (woken.size > 0 || polling)) void kick();
    });
  };

  /** One look: a due read when wanted, then claims in the woken gyms for the free lanes. */
  const round = async () => {
    again = false;
    const reading = polling && lanes.size < config.concurrency;
    const answered = reading ? passes.splice(0) : [];
    try {
      if (reading) {
        polling = false;
        for (const tenantId of await dueTenants(deps, config.concurrency * 4)) {
          woken.add(tenantId);
          endpointsOf.set(tenantId, true);
        }
      }
      for (const tenantId of [...woken]) {
        const free = config.concurrency - lanes.size;
        if (free <= 0) break;
        woken.delete(tenantId);
        if (!(await hasEndpoints(tenantId))) continue;
        const claims = await claimDue(deps.uow, config, tenantId, free);
        for (const claim of claims) drain(claim);
        // All the free lanes taken: the gym may have more, claimed when a lane is free again.
        if (claims.length === free) woken.add(tenantId);
      }
    } finally {
      if (answered.length) void Promise.all([...lanes]).then(() => answered.forEach((done) => done()));
    }
  };

  const kick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = round()
      .catch((err: unknown) => {
        if (!stopped) deps.log.warn({ err: (err as Error).message }, 'looking for due webhooks failed');
      })
      .finally(() => {
        running = null;
        // Woken after the round's last look: look again.
        if (again && !stopped) void kick();
      });
    return running;
  };

  const settle = async () => {
    while (running || lanes.size > 0) await Promise.all([running, ...lanes]);
  };

  let woke: NodeJS.Immediate | null = null;
  const timer = setInterval(() => {
    polling = true;
    void kick();
  }, config.pollMs);
  timer.unref();
  return {
    wake(events) {
      if (stopped) return;
      if (events?.length) for (const e of events) woken.add(e.tenant_id);
      else polling = true;
      woke ??= setImmediate(() => {
        woke = null;
        void kick();
      });
    },
    pass() {
      if (stopped) return Promise.resolve();
      // Not "until idle": with a short poll under load a round is nearly always running.
      const done = new Promise<void>((resolve) => passes.push(resolve));
      polling = true;
      void kick();
      return done;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (woke) clearImmediate(woke);
      await settle();
      passes.splice(0).forEach((done) => done());
    },
  };
}
