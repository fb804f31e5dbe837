import { TenantModel } from '../../db/model.js';

/**
 * An integrator's address for the gym's events, with its cursor into the event log (`last_seq`) and
 * the state of the event at the cursor (attempts, next_attempt_at, lease_id while a worker posts it).
 */
export class WebhookEndpoint extends TenantModel {
  static override tableName = 'webhook_endpoints';

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
