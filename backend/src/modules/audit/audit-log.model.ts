import { BaseModel } from '../../db/model.js';

/** Who did what to whom, when, from where: append-only for the product (tenant_id null: platform). */
export class AuditLogEntry extends BaseModel {
  static override tableName = 'audit_log';
  static override tenantScoped = true;
  static override jsonAttributes = ['details'];

  declare id: string;
  declare tenant_id: string | null;
  declare actor_id: string | null;
  declare actor_role: string | null;
  declare action: string;
  declare target_type: string;
  declare target_id: string | null;
  declare details: Record<string, unknown>;
  declare address: string | null;
  declare created_at: Date;
}
