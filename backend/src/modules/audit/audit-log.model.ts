import { TenantModel } from '../../db/model.js';

/** Who did what to whom, when, from where: append-only for the product (tenant_id null: platform). */
export class AuditLogEntry extends TenantModel {
  static override tableName = 'audit_log';
  static override jsonAttributes = ['details'];

  declare id: string;
  declare actor_id: string | null;
  declare actor_role: string | null;
  declare action: string;
  declare target_type: string;
  declare target_id: string | null;
  declare details: Record<string, unknown>;
  declare address: string | null;
  declare created_at: Date;
}
