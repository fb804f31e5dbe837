/**
 * Delivery from the event log. Each endpoint has a cursor (`last_seq`): its next event is the first
 * matching one after it, so order per endpoint and durability come from the log itself, and a restart,
 * a Redis outage or a killed worker lose nothing. A worker leases an endpoint with one conditional
 * UPDATE (only one of the cluster wins it), posts outside any transaction, then records the attempt and
 * moves the cursor only while its lease holds; a worker that dies mid-delivery leaves a lease that
 * expires, and the next worker sends the same event again, with the same webhook-id.
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../deps.js';
import { matchingEventTypes } from '../../contracts/webhooks.js';
import { sqlLiteral } from '../../db/database.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import type { EventType, StoredEvent } from '../../contracts/events.js';
import { fullView } from '../../realtime/event-views.js';
import { EventCounter, LoggedEvent } from '../../realtime/event.model.js';
import { postWebhook, type PostResult } from './outbound.js';
import { messageId, signedHeaders } from './signing.js';
import { WebhookDeliveryRow, WebhookEndpointRow } from './webhook-endpoint.model.js';

type Deps = Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>;

/** Events of one endpoint handled in a row before others get their turn. */
const BURST = 50;
/** How long a lease outlives the delivery's own timeout. */
const LEASE_MARGIN_MS = 5_000;

export interface Dispatcher {
  /** Look for due deliveries now (new events were published). */
  wake(): void;
  stop(): Promise<void>;
}

/** The webhook body of a log event: the event as staff receive it on the socket. */
export function webhookBody(event: StoredEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.at, data: fullView(event) });
}

async function dueEndpoints(deps: Deps): Promise<Array<{ tenant_id: string; id: string }>> {
  // Across gyms, read only (the migration's dispatch policy); every claim happens in the gym's scope.
  return deps.db.statement({ role: deps.db.appRole, 'app.webhook_dispatch': 'on' }, `
    select e.tenant_id, e.id from webhook_endpoints e join event_counters c on c.tenant_id = e.tenant_id
     where e.enabled and e.next_attempt_at <= clock_timestamp() and (c.last_seq > e.last_seq or e.attempts > 0)
     order by e.next_attempt_at limit 100`);
}

async function lease(scope: TenantScope, endpointId: string, leaseId: string, ms: number): Promise<WebhookEndpointRow | undefined> {
  const [row] = await scope.query(WebhookEndpointRow)
    .where({ id: endpointId, enabled: true })
    .where('next_attempt_at', '<=', WebhookEndpointRow.raw('clock_timestamp()'))
    .patch({ lease_id: leaseId, next_attempt_at: WebhookEndpointRow.raw(`clock_timestamp() + interval ${sqlLiteral(`${ms} milliseconds`)}`) })
    .returning('*');
  return row;
}

/** The endpoint's next matching event, or the seq its cursor can skip to when there is none. */
async function nextEvent(scope: TenantScope, endpoint: WebhookEndpointRow): Promise<StoredEvent | { skipTo: number }> {
  const counter = await scope.query(EventCounter).select('last_seq').findById(scope.tenantId);
  const upTo = counter?.last_seq ?? endpoint.last_seq;
  const row = await scope.query(LoggedEvent).select('seq', 'type', 'payload', 'created_at')
    .where('seq', '>', endpoint.last_seq).where('seq', '<=', upTo)
    .whereIn('type', matchingEventTypes(endpoint.events)).orderBy('seq').first();
  if (!row?.seq) return { skipTo: upTo };
  return { tenant_id: scope.tenantId, seq: row.seq, type: row.type as EventType, payload: row.payload, at: row.created_at.toISOString() } as StoredEvent;
}

/** What happens to an endpoint after an attempt's answer. */
function afterAttempt(deps: Deps, endpoint: WebhookEndpointRow, result: PostResult, now: Date) {
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  if (ok) return { outcome: 'delivered' as const, patch: { attempts: 0, failing_since: null, next_attempt_at: now } , advance: true };
  const { retrySeconds, disableAfterHours } = deps.config.webhooks;
  const failingSince = endpoint.failing_since ?? now;
  if (result.status === 410 || now.getTime() - failingSince.getTime() >= disableAfterHours * 3_600_000) {
    const reason = result.status === 410 ? 'gone' as const : 'failing' as const;
    return { outcome: 'disabled' as const, patch: { enabled: false, disabled_reason: reason, disabled_at: now, attempts: 0, failing_since: failingSince }, advance: false };
  }
  const attempts = endpoint.attempts + 1;
  if (attempts > retrySeconds.length) {
    // Given up: the cursor moves on, the owner sees it in the delivery log and can recover from it.
    return { outcome: 'given_up' as const, patch: { attempts: 0, failing_since: failingSince, next_attempt_at: now }, advance: true };
  }
  // ±10% jitter, so endpoints failing together do not retry together; Retry-After on 429/503 wins if later.
  const base = retrySeconds[attempts - 1]! * (0.9 + Math.random() * 0.2);
  const wait = (result.status === 429 || result.status === 503) && result.retryAfter !== null ? Math.max(base, result.retryAfter) : base;
  return { outcome: 'retrying' as const, patch: { attempts, failing_since: failingSince, next_attempt_at: new Date(now.getTime() + wait * 1000) }, advance: false };
}

/** Delivers an endpoint's due events one after another; false when another worker holds it. */
export async function serveEndpoint(deps: Deps, tenantId: string, endpointId: string): Promise<boolean> {
  const { timeoutMs, allowPrivate } = deps.config.webhooks;
  for (let i = 0; i < BURST; i++) {
    const leaseId = randomUUID();
    const claimed = await deps.uow.inTenant(tenantId, async (scope) => {
      const endpoint = await lease(scope, endpointId, leaseId, timeoutMs + LEASE_MARGIN_MS);
      if (!endpoint) return null;
      const next = await nextEvent(scope, endpoint);
      if ('skipTo' in next) {
        await scope.query(WebhookEndpointRow).findById(endpointId)
          .patch({ last_seq: Math.max(endpoint.last_seq, next.skipTo), lease_id: null, next_attempt_at: WebhookEndpointRow.raw('clock_timestamp()') });
        return null;
      }
      return { endpoint, event: next };
    });
    if (!claimed) return i > 0;
    const { endpoint, event } = claimed;
    const id = messageId(tenantId, event.seq);
    const body = webhookBody(event);
    const result = await postWebhook(endpoint.url, body, signedHeaders(endpoint, id, body), { timeoutMs, allowPrivate });
    const now = new Date();
    const next = afterAttempt(deps, endpoint, result, now);
    const kept = await deps.uow.inTenant(tenantId, async (scope) => {
      const updated = await scope.query(WebhookEndpointRow).where({ id: endpointId, lease_id: leaseId })
        .patch({ ...next.patch, ...(next.advance ? { last_seq: event.seq } : {}), lease_id: null, last_status: result.status, last_error: result.error, updated_at: now });
      if (!updated) return false;
      await scope.query(WebhookDeliveryRow).insert({
        tenant_id: tenantId, endpoint_id: endpointId, seq: event.seq, event_type: event.type, message_id: id,
        attempt: endpoint.attempts + 1, outcome: next.outcome, status_code: result.status, latency_ms: result.latencyMs,
        response_excerpt: result.excerpt?.slice(0, 1024) ?? null, error: result.error,
      });
      return true;
    });
    if (!kept || next.outcome !== 'delivered' && next.outcome !== 'given_up') return true;
  }
  return true;
}

/** Each process runs one: it polls for due endpoints and is woken by published events. */
export function startDispatcher(deps: Deps): Dispatcher {
  const { pollMs, concurrency } = deps.config.webhooks;
  let running: Promise<void> | null = null;
  // Set by a wake-up during a round: another round follows at once.
  const wanted = { again: false };
  const wokenMeanwhile = () => wanted.again;
  let stopped = false;
  const round = async () => {
    do {
      wanted.again = false;
      const due = await dueEndpoints(deps);
      // Each endpoint in its own lane, a few at a time: one slow receiver never holds up the others.
      let next = 0;
      const lane = async () => {
        while (!stopped && next < due.length) {
          const e = due[next++]!;
          try {
            await serveEndpoint(deps, e.tenant_id, e.id);
          } catch (err) {
            deps.log.warn({ err: (err as Error).message, endpointId: e.id }, 'webhook delivery failed');
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, lane));
    } while (wokenMeanwhile() && !stopped);
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      wanted.again = true;
      return;
    }
    running = round().catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, 'webhook dispatch failed')).finally(() => { running = null; });
  };
  const timer = setInterval(tick, pollMs);
  timer.unref();
  tick();
  return {
    wake: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
