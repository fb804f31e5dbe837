/**
 * Webhook endpoints of a gym, their delivery log, and the payloads they receive. The event types an
 * endpoint may subscribe to come from the socket contract (event-schemas.ts): every event declared
 * there, and `<domain>:*` for each domain, so a new event is subscribable the day it is declared.
 */
import { z } from 'zod';
import { idParams, instantSchema, pageQuery } from './common.js';
import { eventPayloadSchemas, serverEventSchemas } from './event-schemas.js';
import type { EventType } from './events.js';

/** Every event type of the log, in the contract's order. */
export const WEBHOOK_EVENT_TYPES = Object.keys(eventPayloadSchemas) as EventType[];

const domainOf = (type: string) => type.split(':')[0]!;

/** `booking:*`, `workout:*`, ...: every event of a domain that has several. */
export const WEBHOOK_EVENT_PATTERNS = [...new Set(WEBHOOK_EVENT_TYPES.map(domainOf))]
  .filter((domain) => WEBHOOK_EVENT_TYPES.filter((t) => domainOf(t) === domain).length > 1)
  .map((domain) => `${domain}:*`);

export const WEBHOOK_SUBSCRIPTIONS = [...WEBHOOK_EVENT_TYPES, ...WEBHOOK_EVENT_PATTERNS] as [string, ...string[]];

/** The concrete event types a list of subscriptions (types and `<domain>:*` patterns) matches. */
export function matchingEventTypes(subscriptions: readonly string[]): EventType[] {
  return WEBHOOK_EVENT_TYPES.filter((type) => subscriptions.some((s) => s === type || (s.endsWith(':*') && type.startsWith(s.slice(0, -1)))));
}

/** The type of the event `POST /api/webhooks/:id/test` sends; it is not part of the gym's log. */
export const WEBHOOK_TEST_TYPE = 'webhook:test';

const urlField = z.url({ protocol: /^https?$/, error: 'field.webhook_url' })
  .max(2048)
  .meta({ description: 'https; http only where the server allows private destinations (development)', example: 'https://example.com/hooks/gym' });

export const webhookFields = {
  url: urlField,
  events: z.array(z.enum(WEBHOOK_SUBSCRIPTIONS)).min(1).max(64)
    .meta({ description: 'Event types, or `<domain>:*` for every event of a domain' }),
  description: z.string().trim().max(500).nullable(),
  enabled: z.boolean(),
};

export const webhookCreateBody = z.object({
  url: webhookFields.url,
  events: webhookFields.events,
  description: webhookFields.description.optional(),
  enabled: webhookFields.enabled.optional(),
});
export type WebhookCreateBody = z.infer<typeof webhookCreateBody>;

export const webhookUpdateBody = z.object(webhookFields).partial();
export type WebhookUpdateBody = z.infer<typeof webhookUpdateBody>;

export const webhookIdParams = idParams;

export const webhookRecoverBody = z.object({
  since: z.number().int().min(0).meta({ description: 'Every matching event with seq > since is delivered again, in order' }),
});

export const webhookDeliveriesQuery = pageQuery;

/** Why an endpoint was disabled by the server: the receiver answered 410, or it failed for days. */
export const WEBHOOK_DISABLED_REASONS = ['gone', 'failing'] as const;

export const webhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z.enum(WEBHOOK_DISABLED_REASONS).nullable()
      .meta({ description: 'Set when the server disabled the endpoint: gone (it answered 410) or failing (no success for days)' }),
    disabled_at: instantSchema.nullable(),
    last_seq: z.number().int().min(0).meta({ description: 'Every event up to this seq was delivered or given up' }),
    failing_since: instantSchema.nullable(),
    last_status: z.number().int().nullable().meta({ description: 'Status code of the last attempt (null: no answer)' }),
    last_error: z.string().nullable(),
    next_attempt_at: instantSchema,
    previous_secret_until: instantSchema.nullable().meta({ description: 'Until then the previous secret signs beside the current one' }),
    created_at: instantSchema,
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** The answer of a creation or a rotation: the only time the secret is shown. */
export const webhookWithSecretSchema = webhookEndpointSchema
  .extend({ secret: z.string().regex(/^whsec_/).meta({ description: 'The signing secret (Standard Webhooks); shown only in this answer' }) })
  .meta({ id: 'WebhookEndpointWithSecret' });
export type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;

export const WEBHOOK_OUTCOMES = ['delivered', 'retrying', 'given_up', 'disabled', 'test'] as const;

export const webhookDeliverySchema = z
  .object({
    id: z.uuid(),
    seq: z.number().int().nullable().meta({ description: 'The event of the log (null for a test event)' }),
    event_type: z.string(),
    message_id: z.string().meta({ description: 'The webhook-id header: the same for every attempt of one event' }),
    attempt: z.number().int().min(1),
    outcome: z.enum(WEBHOOK_OUTCOMES),
    status_code: z.number().int().nullable(),
    latency_ms: z.number().int().min(0),
    response_excerpt: z.string().nullable().meta({ description: 'The first 1 KB of the answer' }),
    error: z.string().nullable().meta({ description: 'Why there was no answer: timeout, refused destination, ...' }),
    attempted_at: instantSchema,
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookRecoverSchema = z.object({ since: z.number().int(), last_seq: z.number().int() }).meta({ id: 'WebhookRecovery' });

/** What every webhook request carries as its JSON body (the Standard Webhooks payload structure). */
function payloadOf<T extends z.ZodType>(type: string, data: T) {
  return z.object({ type: z.literal(type), timestamp: instantSchema.meta({ description: 'When the event happened' }), data });
}

/** The body of each webhook, by event type: `data` is the event as staff receive it on the socket. */
export const webhookPayloadSchemas: Record<string, z.ZodType> = {
  ...Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [type, payloadOf(type, serverEventSchemas[type])])),
  [WEBHOOK_TEST_TYPE]: payloadOf(WEBHOOK_TEST_TYPE, z.object({ endpoint_id: z.uuid(), message: z.string() })),
};
