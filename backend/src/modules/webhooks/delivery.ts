/**
 * One delivery of one endpoint, in three steps: claim (in the gym's scope, FOR UPDATE SKIP LOCKED: the
 * endpoint must be enabled and due, and its next matching event after the cursor exists; a lease
 * moves next_attempt_at past the post's deadline so no other worker takes it), post (outside any
 * transaction), record (the attempt and the endpoint's new state in one transaction, only while the
 * lease is still ours). A worker that dies mid-post leaves the lease to expire: the event is posted
 * again, with the same webhook-id.
 */
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../contracts/events.js';
import { serverEventSchemas } from '../../contracts/event-schemas.js';
import { matchingEventTypes } from '../../contracts/webhooks.js';
import type { Config } from '../../config.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { fullView } from '../../realtime/event-views.js';
import { EventCounter, LoggedEvent } from '../../realtime/event.model.js';
import { postJson, type PostResult } from './outbound.js';
import { retryDelayMs } from './schedule.js';
import { messageIdOf, signedHeaders } from './signing.js';
import { WebhookDeliveryAttempt } from './webhook-delivery.model.js';
import { WebhookEndpoint } from './webhook-endpoint.model.js';

type WebhookConfig = Readonly<Config['webhooks']>;

export interface Claim {
  tenantId: string;
  endpointId: string;
  url: string;
  secrets: string[];
  leaseId: string;
  attempt: number;
  event: StoredEvent;
}

/** The JSON body of an event's webhook: the Standard Webhooks structure around the staff view of the event. */
export function webhookBody(event: StoredEvent): string {
  // Through the contract's schema: a field stored in a payload but not declared never leaves the server.
  const data = serverEventSchemas[event.type].parse(fullView(event));
  return JSON.stringify({ type: event.type, timestamp: event.at, data });
}

/** The secrets that sign now: the current one, and the previous one while it overlaps. */
export function signingSecrets(row: Pick<WebhookEndpoint, 'secret' | 'previous_secret' | 'previous_secret_until'>, now = Date.now()): string[] {
  const overlapping = row.previous_secret && row.previous_secret_until && new Date(row.previous_secret_until).getTime() > now;
  return overlapping ? [row.secret, row.previous_secret!] : [row.secret];
}

/** Claims the endpoint's next event, or null (not due, taken by another worker, or nothing to send). */
export async function claimNext(uow: UnitOfWork, config: WebhookConfig, tenantId: string, endpointId: string): Promise<Claim | null> {
  return uow.inTenant(tenantId, async (scope) => {
    const row = await scope.query(WebhookEndpoint).where({ id: endpointId, enabled: true })
      .where('next_attempt_at', '<=', scope.trx.raw('clock_timestamp()')).forUpdate().skipLocked().first();
    if (!row) return null;
    const counter = await scope.query(EventCounter).select('last_seq').first();
    const upTo = counter?.last_seq ?? 0;
    const types = matchingEventTypes(row.events);
    const next = types.length === 0 ? undefined : await scope.query(LoggedEvent)
      .select('seq', 'type', 'payload', 'created_at')
      .where('seq', '>', row.last_seq).andWhere('seq', '<=', upTo).whereIn('type', types)
      .orderBy('seq').first();
    if (!next) {
      // Nothing this endpoint wants up to the gym's last event: the cursor skips ahead.
      if (upTo > row.last_seq) await scope.query(WebhookEndpoint).where({ id: endpointId }).patch({ last_seq: upTo, attempts: 0 });
      return null;
    }
    const leaseId = randomUUID();
    const leaseMs = config.timeoutMs + Math.min(5000, config.timeoutMs);
    await scope.query(WebhookEndpoint).where({ id: endpointId }).patch({
      lease_id: leaseId,
      next_attempt_at: scope.trx.raw(`clock_timestamp() + make_interval(secs => ?)`, [leaseMs / 1000]),
    });
    return {
      tenantId, endpointId, url: row.url, secrets: signingSecrets(row), leaseId, attempt: row.attempts + 1,
      event: {
        tenant_id: tenantId, seq: Number(next.seq), type: next.type as StoredEvent['type'],
        payload: (typeof next.payload === 'string' ? JSON.parse(next.payload) : next.payload) as StoredEvent['payload'],
        at: new Date(next.created_at).toISOString(),
      },
    };
  });
}

export async function post(claim: Claim, config: WebhookConfig): Promise<PostResult> {
  const body = webhookBody(claim.event);
  const headers = signedHeaders(messageIdOf(claim.tenantId, claim.event.seq), body, claim.secrets);
  return postJson(claim.url, body, headers, { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate });
}

/** Records the attempt and moves the endpoint on: next event, a later retry, or disabled. */
export async function recordAttempt(uow: UnitOfWork, config: WebhookConfig, claim: Claim, result: PostResult): Promise<void> {
  await uow.inTenant(claim.tenantId, async (scope) => {
    const row = await scope.query(WebhookEndpoint).where({ id: claim.endpointId }).forUpdate().first();
    if (!row) return; // deleted meanwhile
    const ours = row.lease_id === claim.leaseId;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const now = Date.now();
    // Due times on the database's clock, which the claim compares them with (app servers may drift).
    const dueIn = (ms: number) => scope.trx.raw('clock_timestamp() + make_interval(secs => ?)', [ms / 1000]);
    let outcome: WebhookDeliveryAttempt['outcome'] = 'delivered';
    const changes: Partial<Record<keyof WebhookEndpoint, unknown>> = {
      last_status: result.status, last_error: ok ? null : (result.error ?? `answered ${result.status}`).slice(0, 300), updated_at: new Date(now),
    };
    if (ok) {
      Object.assign(changes, { last_seq: claim.event.seq, attempts: 0, failing_since: null, next_attempt_at: dueIn(0), lease_id: null });
    } else {
      const failingSince = row.failing_since ? new Date(row.failing_since).getTime() : now;
      const delay = retryDelayMs(config.retrySeconds, claim.attempt, result.retryAfterSeconds);
      changes.failing_since = new Date(failingSince);
      if (result.status === 410 || now - failingSince >= config.disableAfterHours * 3_600_000) {
        outcome = 'disabled';
        Object.assign(changes, { enabled: false, disabled_reason: result.status === 410 ? 'gone' : 'failing', disabled_at: new Date(now), lease_id: null, attempts: claim.attempt });
      } else if (delay === null) {
        outcome = 'given_up';
        Object.assign(changes, { last_seq: claim.event.seq, attempts: 0, next_attempt_at: dueIn(0), lease_id: null });
      } else {
        outcome = 'retrying';
        Object.assign(changes, { attempts: claim.attempt, next_attempt_at: dueIn(delay), lease_id: null });
      }
    }
    // A lease lost (it expired, or a recovery rewound the cursor) leaves the endpoint to its new holder.
    if (ours) await scope.query(WebhookEndpoint).where({ id: claim.endpointId }).patch(changes as Partial<WebhookEndpoint>);
    await scope.query(WebhookDeliveryAttempt).insert({
      endpoint_id: claim.endpointId, seq: claim.event.seq, event_type: claim.event.type, message_id: messageIdOf(claim.tenantId, claim.event.seq),
      attempt: claim.attempt, outcome, status_code: result.status, latency_ms: result.latencyMs,
      response_excerpt: result.excerpt, error: result.error,
    });
  });
}
