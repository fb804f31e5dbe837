/**
 * The owner's webhook endpoints: made, changed, rotated, tested and recovered inside the gym's scope.
 * A new endpoint starts at the gym's current seq (it receives what happens from now on; `recover`
 * reaches back). Destinations are checked when they are set and again at every delivery (outbound.ts).
 */
import { randomUUID } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { Config } from '../../config.js';
import { WEBHOOK_TEST_TYPE, type WebhookCreateBody, type WebhookDelivery, type WebhookEndpoint, type WebhookUpdateBody, type WebhookWithSecret } from '../../contracts/webhooks.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { notFound, unprocessable } from '../../http/errors.js';
import { EventCounter } from '../../realtime/event.model.js';
import { isPublicAddress, postWebhook } from './outbound.js';
import { newSecret, signedHeaders } from './signing.js';
import { WebhookDeliveryRow, WebhookEndpointRow } from './webhook-endpoint.model.js';

type WebhookConfig = Config['webhooks'];

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function endpointView(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id, url: row.url, events: row.events, description: row.description, enabled: row.enabled,
    disabled_reason: row.disabled_reason, disabled_at: iso(row.disabled_at), last_seq: row.last_seq,
    failing_since: iso(row.failing_since), last_status: row.last_status, last_error: row.last_error,
    next_attempt_at: row.next_attempt_at.toISOString(), previous_secret_until: iso(row.previous_secret_until), created_at: row.created_at.toISOString(),
  };
}

function deliveryView(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id, seq: row.seq, event_type: row.event_type, message_id: row.message_id, attempt: row.attempt, outcome: row.outcome,
    status_code: row.status_code, latency_ms: row.latency_ms, response_excerpt: row.response_excerpt, error: row.error, attempted_at: row.attempted_at.toISOString(),
  };
}

/** https to a name or a public address; plain http and private literals only where the server allows private destinations. */
export function checkDestination(url: string, cfg: WebhookConfig): void {
  if (cfg.allowPrivate) return;
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const privateLiteral = ipaddr.isValid(host) && !isPublicAddress(host);
  if (target.protocol !== 'https:' || privateLiteral || host === 'localhost' || host.endsWith('.localhost')) {
    throw unprocessable('webhook_destination_refused', { field: 'url' });
  }
}

async function find(scope: TenantScope, id: string): Promise<WebhookEndpointRow> {
  const row = await scope.query(WebhookEndpointRow).findById(id);
  if (!row) throw notFound();
  return row;
}

const currentSeq = async (scope: TenantScope) => (await scope.query(EventCounter).select('last_seq').findById(scope.tenantId))?.last_seq ?? 0;

export async function listWebhooks(scope: TenantScope): Promise<WebhookEndpoint[]> {
  return (await scope.query(WebhookEndpointRow).orderBy('created_at')).map(endpointView);
}

export async function getWebhook(scope: TenantScope, id: string): Promise<WebhookEndpoint> {
  return endpointView(await find(scope, id));
}

export async function createWebhook(scope: TenantScope, body: WebhookCreateBody, cfg: WebhookConfig): Promise<WebhookWithSecret> {
  checkDestination(body.url, cfg);
  const secret = newSecret();
  const row = await scope.query(WebhookEndpointRow).insertAndFetch({
    tenant_id: scope.tenantId, url: body.url, events: [...new Set(body.events)], description: body.description ?? null,
    enabled: body.enabled ?? true, secret, last_seq: await currentSeq(scope),
  });
  return { ...endpointView(row), secret };
}

export async function updateWebhook(scope: TenantScope, id: string, body: WebhookUpdateBody, cfg: WebhookConfig): Promise<WebhookEndpoint> {
  const current = await find(scope, id);
  if (body.url !== undefined) checkDestination(body.url, cfg);
  // Enabling again starts afresh: no failure streak, the next event due at once.
  const reenabled = body.enabled === true && !current.enabled;
  const row = await scope.query(WebhookEndpointRow).patchAndFetchById(id, {
    ...(body.url !== undefined ? { url: body.url } : {}),
    ...(body.events !== undefined ? { events: [...new Set(body.events)] } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    ...(reenabled ? { disabled_reason: null, disabled_at: null, attempts: 0, failing_since: null, next_attempt_at: new Date() } : {}),
    ...(body.enabled === false ? { disabled_reason: null, disabled_at: new Date() } : {}),
    updated_at: new Date(),
  });
  return endpointView(row);
}

export async function deleteWebhook(scope: TenantScope, id: string): Promise<WebhookEndpoint> {
  const row = await find(scope, id);
  await scope.query(WebhookEndpointRow).deleteById(id);
  return endpointView(row);
}

export async function rotateSecret(scope: TenantScope, id: string, cfg: WebhookConfig): Promise<WebhookWithSecret> {
  const current = await find(scope, id);
  const secret = newSecret();
  const row = await scope.query(WebhookEndpointRow).patchAndFetchById(id, {
    secret, previous_secret: current.secret, previous_secret_until: new Date(Date.now() + cfg.secretOverlapHours * 3_600_000), updated_at: new Date(),
  });
  return { ...endpointView(row), secret };
}

export async function listDeliveries(scope: TenantScope, id: string, limit: number): Promise<WebhookDelivery[]> {
  await find(scope, id);
  const rows = await scope.query(WebhookDeliveryRow).where({ endpoint_id: id }).orderBy([{ column: 'attempted_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
  return rows.map(deliveryView);
}

/** Every matching event after `since` goes out again, in order (the cursor moves back). */
export async function recoverWebhook(scope: TenantScope, id: string, since: number): Promise<{ since: number; last_seq: number }> {
  await find(scope, id);
  const last = await currentSeq(scope);
  if (since > last) throw unprocessable('unprocessable', { field: 'since', max: last });
  await scope.query(WebhookEndpointRow).findById(id)
    .patch({ last_seq: since, attempts: 0, next_attempt_at: new Date(), lease_id: null, updated_at: new Date() });
  return { since, last_seq: last };
}

/** Sends a test event now (outside the log and the cursor) and records the attempt. */
export async function testWebhook(scope: TenantScope, id: string, cfg: WebhookConfig): Promise<WebhookDelivery> {
  const endpoint = await find(scope, id);
  const messageId = `msg_test_${randomUUID().replace(/-/g, '')}`;
  const body = JSON.stringify({ type: WEBHOOK_TEST_TYPE, timestamp: new Date().toISOString(), data: { endpoint_id: id, message: 'A test event from Gymflow.' } });
  const result = await postWebhook(endpoint.url, body, signedHeaders(endpoint, messageId, body), cfg);
  const row = await scope.query(WebhookDeliveryRow).insertAndFetch({
    tenant_id: scope.tenantId, endpoint_id: id, seq: null, event_type: WEBHOOK_TEST_TYPE, message_id: messageId, attempt: 1, outcome: 'test',
    status_code: result.status, latency_ms: result.latencyMs, response_excerpt: result.excerpt?.slice(0, 1024) ?? null, error: result.error,
  });
  return deliveryView(row);
}
