import { BaseModel } from '../../db/model.js';

/**
 * One refresh token of a family (a sign-in and its rotations). Only the hash is stored; presenting a
 * used token again revokes the whole family. A platform admin's tokens belong to no gym (tenant_id null).
 */
export class RefreshToken extends BaseModel {
  static override tableName = 'refresh_tokens';
  static override tenantScoped = true;

  declare tenant_id: string | null;
  declare id: string;
  declare user_id: string;
  declare family_id: string;
  declare token_hash: string;
  declare expires_at: Date;
  declare used_at: Date | null;
  declare revoked_at: Date | null;
  declare created_at: Date;
}
