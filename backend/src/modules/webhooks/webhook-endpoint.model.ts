import { TenantModel } from '../../db/model.js';

/** A gym's webhook endpoint with its cursor into the gym's event log (db/migrations/*_webhooks.ts). */
export class WebhookEndpointRow extends TenantModel {
  static override tableName = 'webhook_endpoints';
  // text[] goes to pg as an array, not as JSON.
  static override jsonAttributes: string[] = [];

  declare id: string;
  declare url: string;
  declare events: string[];
  declare description: string | null;
  declare enabled: boolean;
  declare disabled_reason: 'gone' | 'failing' | null;
  declare disabled_at: Date | null;
  declare secret: string;
  declare previous_secret: string | null;
  declare previous_secret_until: Date | null;
  declare last_seq: number;
  declare attempts: number;
  declare next_attempt_at: Date;
  declare lease_id: string | null;
  declare failing_since: Date | null;
  declare last_status: number | null;
  declare last_error: string | null;
  declare created_at: Date;
  declare updated_at: Date;
}

/** One attempt to deliver an event (or a test event) to an endpoint. */
export class WebhookDeliveryRow extends TenantModel {
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
