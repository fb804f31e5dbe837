/**
 * Standard Webhooks signing: `webhook-id` is the same for every attempt of one event (its gym and seq),
 * `webhook-timestamp` is the attempt's, and `webhook-signature` carries one `v1,` signature per secret
 * in force (two while a rotated secret still overlaps). The HMAC is node's: the reference library's
 * pure-JS SHA-256 took several times as long per delivery; the tests hold every signature to that
 * library's own verification.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A new signing secret: `whsec_` and 32 random bytes in base64 (what the library expects). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The id of an event's message: stable across retries and recoveries, so receivers can drop duplicates. */
export const messageIdOf = (tenantId: string, seq: number): string => `evt_${tenantId.replaceAll('-', '')}_${seq}`;

/** `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's key (the base64 after `whsec_`). */
const signature = (secret: string, signed: string) =>
  `v1,${createHmac('sha256', Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')).update(signed).digest('base64')}`;

export function signedHeaders(messageId: string, body: string, secrets: readonly string[], at = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signed = `${messageId}.${timestamp}.${body}`;
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': secrets.map((s) => signature(s, signed)).join(' '),
  };
}
