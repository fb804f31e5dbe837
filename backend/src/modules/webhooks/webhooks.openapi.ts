/** The webhooks the server sends, one per event type, for the OpenAPI document's `webhooks` section. */
import { webhookPayloadSchemas } from '../../contracts/webhooks.js';
import type { OutgoingWebhook } from '../../http/route.js';

export function outgoingWebhooks(): OutgoingWebhook[] {
  return Object.entries(webhookPayloadSchemas).map(([type, body]) => ({
    name: type,
    summary: type === 'webhook:test' ? 'A test event (POST /api/webhooks/{id}/test); not part of the log' : `The gym's ${type} event, in seq order per endpoint`,
    body,
  }));
}
