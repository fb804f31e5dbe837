/**
 * The owner's side of webhooks: endpoints (the secret shown once, at creation and rotation), the
 * delivery log, a test send and "recover since seq N" (the cursor goes back to N: the dispatcher then
 * delivers every matching event after it again, in order, with their original webhook-ids).
 */
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import type { Config } from '../../config.js';
import {
  WEBHOOK_TEST_TYPE, type WebhookCreateBody, type WebhookDelivery, type WebhookEndpoint as EndpointView,
  type WebhookUpdateBody, type WebhookWithSecret,
} from '../../contracts/webhooks.js';
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import type { Page, PageQuery } from '../../http/paging.js';
import { EventCounter } from '../../realtime/event.model.js';
import { recordAudit, type AuditEntry } from '../audit/audit.service.js';
import { signingSecrets } from './delivery.js';
import { postJson, RefusedDestination, resolveDestination } from './outbound.js';
import { newWebhookSecret, signedHeaders } from './signing.js';
import { WebhookDeliveryAttempt } from './webhook-delivery.model.js';
import { WebhookEndpoint } from './webhook-endpoint.model.js';

type WebhookConfig = Readonly<Config['webhooks']>;
type Actor = AuditEntry['actor'];

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const view = (r: WebhookEndpoint): EndpointView => ({
  id: r.id, url: r.url, events: r.events, description: r.description, enabled: r.enabled,
  disabled_reason: r.disabled_reason, disabled_at: iso(r.disabled_at), last_seq: r.last_seq,
  failing_since: iso(r.failing_since), last_status: r.last_status, last_error: r.last_error,
  next_attempt_at: iso(r.next_attempt_at)!, previous_secret_until: iso(r.previous_secret_until), created_at: iso(r.created_at)!,
});

const fieldError = (path: string, message: string, params: Record<string, unknown> = {}) =>
  new ZodError([{ code: 'custom', path: [path], message, input: undefined, ...params }]);

/**
 * Refuses a destination the dispatcher would refuse: http, or an address that is not public, unless
 * private destinations are allowed. A name that does not resolve yet is accepted (its attempts will
 * say why they fail); the dispatcher checks again at every connect.
 */
export async function checkDestination(url: string, config: WebhookConfig): Promise<void> {
  if (config.allowPrivate) return;
  const target = new URL(url);
  if (target.protocol !== 'https:') throw fieldError('url', 'field.webhook_https');
  try {
    await resolveDestination(target.hostname, false);
  } catch (err) {
    if (err instanceof RefusedDestination) throw fieldError('url', 'field.webhook_private');
  }
}

async function find(scope: TenantScope, id: string): Promise<WebhookEndpoint> {
  const row = await scope.query(WebhookEndpoint).findById(id);
  if (!row) throw notFound();
  return row;
}

const audit = (scope: TenantScope, actor: Actor, action: AuditEntry['action'], id: string, details: Record<string, unknown> = {}) =>
  recordAudit(scope.trx, { tenantId: scope.tenantId, actor, action, target: { type: 'webhook_endpoint', id }, details });

export async function listWebhooks(scope: TenantScope): Promise<EndpointView[]> {
  const rows = await scope.query(WebhookEndpoint).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
  return rows.map(view);
}

export async function getWebhook(scope: TenantScope, id: string): Promise<EndpointView> {
  return view(await find(scope, id));
}

/** A new endpoint receives the events from now on (its cursor starts at the gym's last event). */
export async function createWebhook(scope: TenantScope, body: WebhookCreateBody, actor: Actor): Promise<WebhookWithSecret> {
  const counter = await scope.query(EventCounter).select('last_seq').first();
  const secret = newWebhookSecret();
  const row = await scope.query(WebhookEndpoint).insert({
    url: body.url, events: [...new Set(body.events)], description: body.description ?? null, enabled: body.enabled ?? true,
    secret, last_seq: counter?.last_seq ?? 0,
  }).returning('*');
  await audit(scope, actor, 'webhook.created', row.id, { url: body.url, events: row.events });
  return { ...view(row), secret };
}

/** Enabling again clears the server's reason and retries at once, from where the cursor stands. */
export async function updateWebhook(scope: TenantScope, id: string, body: WebhookUpdateBody, actor: Actor): Promise<EndpointView> {
  const row = await find(scope, id);
  const changes: Partial<WebhookEndpoint> = { updated_at: new Date() };
  if (body.url !== undefined) Object.assign(changes, { url: body.url, attempts: 0, next_attempt_at: scope.trx.raw('clock_timestamp()') });
  if (body.events !== undefined) changes.events = [...new Set(body.events)];
  if (body.description !== undefined) changes.description = body.description;
  if (body.enabled === true && !row.enabled) {
    Object.assign(changes, { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null, attempts: 0, next_attempt_at: scope.trx.raw('clock_timestamp()'), lease_id: null });
  }
  if (body.enabled === false && row.enabled) Object.assign(changes, { enabled: false, disabled_reason: null, disabled_at: new Date(), lease_id: null });
  const [updated] = await scope.query(WebhookEndpoint).where({ id }).patch(changes).returning('*');
  await audit(scope, actor, 'webhook.updated', id, { fields: Object.keys(body) });
  return view(updated!);
}

export async function deleteWebhook(scope: TenantScope, id: string, actor: Actor): Promise<EndpointView> {
  const row = await find(scope, id);
  await scope.query(WebhookEndpoint).where({ id }).delete();
  await audit(scope, actor, 'webhook.deleted', id, { url: row.url });
  return view(row);
}

/** A new secret; the old one keeps signing beside it for the overlap, so receivers can switch without a gap. */
export async function rotateSecret(scope: TenantScope, id: string, config: WebhookConfig, actor: Actor): Promise<WebhookWithSecret> {
  const row = await find(scope, id);
  const secret = newWebhookSecret();
  const [updated] = await scope.query(WebhookEndpoint).where({ id }).patch({
    secret, previous_secret: row.secret, previous_secret_until: new Date(Date.now() + config.secretOverlapHours * 3_600_000), updated_at: new Date(),
  }).returning('*');
  await audit(scope, actor, 'webhook.secret_rotated', id);
  return { ...view(updated!), secret };
}

/** Moves the cursor back to `since` (never forward: nothing is skipped); the dispatcher does the rest. */
export async function recoverSince(scope: TenantScope, id: string, since: number, actor: Actor): Promise<{ since: number; last_seq: number }> {
  await find(scope, id);
  const counter = await scope.query(EventCounter).select('last_seq').first();
  const last = counter?.last_seq ?? 0;
  if (since > last) throw fieldError('since', 'field.webhook_since');
  await scope.query(WebhookEndpoint).where({ id }).patch({
    last_seq: scope.trx.raw('least(last_seq, ?)', [since]),
    attempts: 0, next_attempt_at: scope.trx.raw('clock_timestamp()'), lease_id: null, updated_at: new Date(),
  });
  await audit(scope, actor, 'webhook.recovered', id, { since });
  return { since, last_seq: last };
}

const deliveryView = (r: WebhookDeliveryAttempt): WebhookDelivery => ({
  id: r.id, seq: r.seq, event_type: r.event_type, message_id: r.message_id, attempt: r.attempt,
  outcome: r.outcome, status_code: r.status_code, latency_ms: r.latency_ms, response_excerpt: r.response_excerpt, error: r.error,
  attempted_at: iso(r.attempted_at)!,
});

/** The endpoint's attempts, newest first, paged. */
export async function listDeliveries(uow: UnitOfWork, tenantId: string, id: string, page: PageQuery): Promise<Page<WebhookDelivery>> {
  return uow.inTenant(tenantId, async (scope) => {
    await find(scope, id);
    const found = await scope.query(WebhookDeliveryAttempt).where({ endpoint_id: id })
      .keysetPage(page, { column: 'webhook_deliveries.attempted_at', type: 'timestamptz', direction: 'desc', id: 'webhook_deliveries.id' });
    return { items: found.items.map(deliveryView), next: found.next };
  });
}

/** Posts a test event now (outside the log and its order) and records the attempt. */
export async function sendTest(uow: UnitOfWork, config: WebhookConfig, tenantId: string, id: string): Promise<WebhookDelivery> {
  const row = await uow.inTenant(tenantId, (scope) => find(scope, id));
  const messageId = `test_${randomUUID().replaceAll('-', '')}`;
  const body = JSON.stringify({ type: WEBHOOK_TEST_TYPE, timestamp: new Date().toISOString(), data: { endpoint_id: id, message: 'A test event from Gymflow' } });
  const result = await postJson(row.url, body, signedHeaders(messageId, body, signingSecrets(row)), { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate });
  return uow.inTenant(tenantId, async (scope) => {
    await find(scope, id);
    const attempt = await scope.query(WebhookDeliveryAttempt).insert({
      endpoint_id: id, seq: null, event_type: WEBHOOK_TEST_TYPE, message_id: messageId, attempt: 1, outcome: 'test',
      status_code: result.status, latency_ms: result.latencyMs, response_excerpt: result.excerpt, error: result.error,
    }).returning('*');
    return deliveryView(attempt);
  });
}
