/**
 * Standard Webhooks signing (the `standardwebhooks` library): each endpoint has a `whsec_` secret;
 * for a day after a rotation the previous secret signs beside it, so receivers can switch over.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** The id of an event's webhook: the same for every attempt, unique per gym and seq. */
export const messageId = (tenantId: string, seq: number): string => `msg_${tenantId.replace(/-/g, '')}_${seq}`;

export interface Signer {
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
}

/** The three Standard Webhooks headers for one message. */
export function signedHeaders(endpoint: Signer, id: string, body: string, now = new Date()): Record<string, string> {
  const secrets = [endpoint.secret];
  if (endpoint.previous_secret && endpoint.previous_secret_until && endpoint.previous_secret_until > now) secrets.push(endpoint.previous_secret);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, now, body)).join(' '),
  };
}
