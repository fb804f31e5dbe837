import { TenantModel } from '../db/model.js';

/**
 * One event of a gym's durable log. Rows are written with the COMMIT of the change they describe
 * (`append_events`) and numbered after it (`sequence_events`: seq +1 per gym, without gaps); models
 * only read them.
 */
export class LoggedEvent extends TenantModel {
  static override tableName = 'events';
  static override idColumn = ['tenant_id', 'seq'];
  static override jsonAttributes = ['payload'];

  /** Null until numbered. */
  declare seq: number | null;
  declare type: string;
  declare payload: unknown;
  declare created_at: Date;
}

/** A gym's last numbered seq and how far its events have been emitted. */
export class EventCounter extends TenantModel {
  static override tableName = 'event_counters';
  static override idColumn = 'tenant_id';

  declare last_seq: number;
  declare published_seq: number;
}
