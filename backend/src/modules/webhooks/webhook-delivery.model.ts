import { TenantModel } from '../../db/model.js';

/** One attempt to deliver one event (or a test) to one endpoint. */
export class WebhookDeliveryAttempt extends TenantModel {
  static override tableName = 'webhook_deliveries';

  declare id: string;
  declare endpoint_id: string;
  declare seq: number | null;
  declare event_type: string;
  declare message_id: string;
  declare attempt: number;
  declare outcome: 'delivered' | 'retrying' | 'given_up' | 'disabled' | 'test';
  declare status_code: number | null;
  declare latency_ms: number;
  declare response_excerpt: string | null;
  declare error: string | null;
  declare attempted_at: Date;
}
