/**
 * One delivery of one endpoint: claim (in the gym's scope, FOR UPDATE SKIP LOCKED: the endpoint must
 * be enabled and due, and its next matching event after the cursor exists; a lease moves
 * next_attempt_at past the post's deadline so no other worker takes it), post (outside any
 * transaction), record (the attempt and the endpoint's new state in one transaction, only while the
 * lease is still ours; after a success it leases the next event in the same transaction). Claim and
 * record are one statement each (webhook_claim, webhook_record in db/migrations), so a run of events
 * costs one round trip per event beside the POST. A worker that dies mid-post leaves the lease to
 * expire: the event is posted again, with the same webhook-id.
 */
import type { StoredEvent } from '../../contracts/events.js';
import { serverEventSchemas } from '../../contracts/event-schemas.js';
import { WEBHOOK_EVENT_TYPES } from '../../contracts/webhooks.js';
import type { Config } from '../../config.js';
import { sqlLiteral } from '../../db/database.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { fullView } from '../../realtime/event-views.js';
import { postJson, type PostResult } from './outbound.js';
import { retryDelayMs } from './schedule.js';
import { messageIdOf, signedHeaders } from './signing.js';
import type { WebhookDeliveryAttempt } from './webhook-delivery.model.js';
import type { WebhookEndpoint } from './webhook-endpoint.model.js';

type WebhookConfig = Readonly<Config['webhooks']>;

export interface Claim {
  tenantId: string;
  endpointId: string;
  url: string;
  secrets: string[];
  leaseId: string;
  attempt: number;
  /** Since when the endpoint has had no success (null: its last attempt succeeded). */
  failingSince: Date | null;
  event: StoredEvent;
}

/** What webhook_claim and webhook_record answer: an endpoint leased with its next event. */
interface ClaimRow {
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | string | null;
  attempts: number;
  failing_since: Date | string | null;
  lease_id: string;
  seq: number | string;
  type: string;
  payload: unknown;
  created_at: Date | string;
}

/** Bodies of recent events: endpoints that want the same event share its one rendering. */
const bodies = new Map<string, string>();
const BODIES_KEPT = 512;

/** The JSON body of an event's webhook: the Standard Webhooks structure around the staff view of the event. */
export function webhookBody(event: StoredEvent): string {
  const key = `${event.tenant_id}:${event.seq}`;
  const known = bodies.get(key);
  if (known !== undefined) return known;
  // Through the contract's schema: a field stored in a payload but not declared never leaves the server.
  const data = serverEventSchemas[event.type].parse(fullView(event));
  const body = JSON.stringify({ type: event.type, timestamp: event.at, data });
  bodies.set(key, body);
  if (bodies.size > BODIES_KEPT) bodies.delete(bodies.keys().next().value!);
  return body;
}

/** The secrets that sign now: the current one, and the previous one while it overlaps. */
export function signingSecrets(
  row: Pick<WebhookEndpoint, 'secret' | 'previous_secret'> & { previous_secret_until: Date | string | null },
  now = Date.now(),
): string[] {
  const overlapping = row.previous_secret && row.previous_secret_until && new Date(row.previous_secret_until).getTime() > now;
  return overlapping ? [row.secret, row.previous_secret!] : [row.secret];
}

/** Every event type of the contract, which the SQL side matches subscriptions against. */
const TYPES = `ARRAY[${WEBHOOK_EVENT_TYPES.map(sqlLiteral).join(', ')}]::text[]`;
const leaseSeconds = (config: WebhookConfig) => (config.timeoutMs + Math.min(5000, config.timeoutMs)) / 1000;
/** A value as SQL: these statements travel without bindings (one round trip). */
const text = (v: string | null) => (v === null ? 'null' : sqlLiteral(v.replace(/\0/g, '')));
const int = (v: number | null) => (v === null ? 'null' : String(Math.trunc(v)));

function toClaim(tenantId: string, r: ClaimRow): Claim {
  return {
    tenantId, endpointId: r.endpoint_id, url: r.url, secrets: signingSecrets(r), leaseId: r.lease_id, attempt: r.attempts + 1,
    failingSince: r.failing_since ? new Date(r.failing_since) : null,
    event: {
      tenant_id: tenantId, seq: Number(r.seq), type: r.type as StoredEvent['type'],
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as StoredEvent['payload'],
      at: new Date(r.created_at).toISOString(),
    },
  };
}

/**
 * Leases up to `limit` due endpoints of the gym (of `endpointIds`, or any), each with its next event;
 * endpoints with nothing to send up to the gym's last event have their cursor moved past it.
 */
export async function claimDue(uow: UnitOfWork, config: WebhookConfig, tenantId: string, limit: number, endpointIds: readonly string[] | null = null): Promise<Claim[]> {
  const ids = endpointIds ? `ARRAY[${endpointIds.map(sqlLiteral).join(', ')}]::uuid[]` : 'null';
  const rows = await uow.statementInScope<ClaimRow>(tenantId, `select * from webhook_claim(${ids}, ${int(limit)}, ${leaseSeconds(config)}, ${TYPES})`);
  return rows.map((r) => toClaim(tenantId, r));
}

export async function post(claim: Claim, config: WebhookConfig): Promise<PostResult> {
  const body = webhookBody(claim.event);
  const headers = signedHeaders(messageIdOf(claim.tenantId, claim.event.seq), body, claim.secrets);
  return postJson(claim.url, body, headers, { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate });
}

interface Verdict {
  outcome: Exclude<WebhookDeliveryAttempt['outcome'], 'test'>;
  lastError: string | null;
  /** When the next attempt is due (retrying only). */
  retryMs: number | null;
  failingSince: Date | null;
  reason: 'gone' | 'failing' | null;
}

/** What an attempt's result means for the endpoint (the retry schedule, the 410 and the days without success). */
export function verdict(config: WebhookConfig, claim: Pick<Claim, 'attempt' | 'failingSince'>, result: PostResult, now = Date.now()): Verdict {
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const lastError = ok ? null : (result.error ?? `answered ${result.status}`).slice(0, 300);
  if (ok) return { outcome: 'delivered', lastError, retryMs: null, failingSince: null, reason: null };
  const failingSince = claim.failingSince ?? new Date(now);
  const base = { lastError, failingSince, retryMs: null, reason: null };
  if (result.status === 410 || now - failingSince.getTime() >= config.disableAfterHours * 3_600_000) {
    return { ...base, outcome: 'disabled', reason: result.status === 410 ? 'gone' : 'failing' };
  }
  const delay = retryDelayMs(config.retrySeconds, claim.attempt, result.retryAfterSeconds);
  return delay === null ? { ...base, outcome: 'given_up' } : { ...base, outcome: 'retrying', retryMs: delay };
}

/**
 * Records the attempt and moves the endpoint on (next event, a later retry, or disabled), in one
 * statement. With `next`, a success also leases the endpoint's next event, answered as its claim.
 */
export async function recordAttempt(uow: UnitOfWork, config: WebhookConfig, claim: Claim, result: PostResult, next = false): Promise<Claim | null> {
  const v: Verdict = verdict(config, claim, result);
  const args = [
    sqlLiteral(claim.endpointId), sqlLiteral(claim.leaseId), int(claim.event.seq), text(claim.event.type),
    text(messageIdOf(claim.tenantId, claim.event.seq)), int(claim.attempt), text(v.outcome), int(result.status), int(result.latencyMs),
    text(result.excerpt), text(result.error), text(v.lastError), v.retryMs === null ? 'null' : String(v.retryMs / 1000),
    v.failingSince ? `${sqlLiteral(v.failingSince.toISOString())}::timestamptz` : 'null', text(v.reason),
    next ? 'true' : 'false', String(leaseSeconds(config)), TYPES,
  ];
  const rows = await uow.statementInScope<ClaimRow>(claim.tenantId, `select * from webhook_record(${args.join(', ')})`);
  return rows[0] ? toClaim(claim.tenantId, rows[0]) : null;
}
