/**
 * Standard Webhooks signing with the reference library: `webhook-id` is the same for every attempt of
 * one event (its gym and seq), `webhook-timestamp` is the attempt's, and `webhook-signature` carries one
 * `v1,` signature per secret in force (two while a rotated secret still overlaps).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret: `whsec_` and 32 random bytes in base64 (what the library expects). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The id of an event's message: stable across retries and recoveries, so receivers can drop duplicates. */
export const messageIdOf = (tenantId: string, seq: number): string => `evt_${tenantId.replaceAll('-', '')}_${seq}`;

export function signedHeaders(messageId: string, body: string, secrets: readonly string[], at = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' '),
  };
}
