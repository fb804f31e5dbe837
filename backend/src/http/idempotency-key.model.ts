import { TenantModel } from '../db/model.js';

/** A claimed `Idempotency-Key` of one person, with the answer once the request finished. */
export class IdempotencyKey extends TenantModel {
  static override tableName = 'idempotency_keys';
  static override idColumn = ['tenant_id', 'user_id', 'key'];
  static override jsonAttributes = ['response'];

  declare user_id: string;
  declare key: string;
  declare request_hash: string;
  /** Null while the first request is still running. */
  declare status_code: number | null;
  declare response: unknown;
  declare created_at: Date;
}
