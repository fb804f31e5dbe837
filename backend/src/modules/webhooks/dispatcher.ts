/**
 * Every server process runs a dispatcher: woken by the publisher when events are numbered here, and
 * polling now and then for the rest (events numbered by other processes, retries coming due, work
 * left by a process that died), so a restart or a Redis outage loses nothing: the state lives in
 * PostgreSQL only. Due endpoints are found across gyms in one read (the webhook_dispatch policies);
 * each is then claimed in its gym's scope, so the processes of a cluster share the work and never
 * post the same endpoint at once.
 */
import type { AppDeps } from '../../deps.js';
import { claimNext, post, recordAttempt } from './delivery.js';

export interface Dispatcher {
  /** New events may be there: look soon. */
  wake(): void;
  /** One pass now (tests); resolves when its deliveries are done. */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

type Deps = Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>;

/** Due endpoints of every gym, the longest waiting first. */
async function dueEndpoints(deps: Deps, limit: number): Promise<Array<{ tenant_id: string; id: string }>> {
  return deps.db.transaction({ role: deps.db.appRole, 'app.webhook_dispatch': 'on' }, async (trx) => {
    const res = await trx.raw<{ rows: Array<{ tenant_id: string; id: string }> }>(
      `select e.tenant_id, e.id from webhook_endpoints e join event_counters c on c.tenant_id = e.tenant_id
        where e.enabled and e.next_attempt_at <= clock_timestamp() and e.last_seq < c.last_seq
        order by e.next_attempt_at limit ?`,
      [limit],
    );
    return res.rows;
  });
}

export function startDispatcher(deps: Deps): Dispatcher {
  const config = deps.config.webhooks;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  /** Endpoints this process is working on: never two loops on one. */
  const busy = new Set<string>();

  /** Delivers the endpoint's events one after another while they are due. */
  const drain = async (tenantId: string, endpointId: string) => {
    busy.add(endpointId);
    try {
      while (!stopped) {
        const claim = await claimNext(deps.uow, config, tenantId, endpointId);
        if (!claim) return;
        const result = await post(claim, config);
        await recordAttempt(deps.uow, config, claim, result);
        if (result.status === null || result.status < 200 || result.status >= 300) return;
      }
    } catch (err) {
      if (!stopped) deps.log.warn({ err: (err as Error).message, tenantId, endpointId }, 'webhook delivery failed; retried on the next pass');
    } finally {
      busy.delete(endpointId);
    }
  };

  const round = async () => {
    do {
      again = false;
      const due = (await dueEndpoints(deps, config.concurrency * 4)).filter((e) => !busy.has(e.id));
      // At most `concurrency` endpoints at once; each drains in order.
      const queue = [...due];
      const lanes = Array.from({ length: Math.min(config.concurrency, queue.length) }, async () => {
        for (let next = queue.shift(); next && !stopped; next = queue.shift()) await drain(next.tenant_id, next.id);
      });
      await Promise.all(lanes);
      if (due.length === config.concurrency * 4) again = true;
    } while (again && !stopped);
  };

  const pass = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = round()
      .catch((err: unknown) => {
        if (!stopped) deps.log.warn({ err: (err as Error).message }, 'looking for due webhooks failed');
      })
      .finally(() => { running = null; });
    return running;
  };

  let woken: NodeJS.Immediate | null = null;
  const timer = setInterval(() => void pass(), config.pollMs);
  timer.unref();
  return {
    wake() {
      if (woken || stopped) return;
      woken = setImmediate(() => {
        woken = null;
        void pass();
      });
    },
    pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (woken) clearImmediate(woken);
      await running;
    },
  };
}
