import { TenantModel } from '../../db/model.js';

/** A wall display's credential: only its hash is stored; revoked at once by `revoked_at`. */
export class DisplayToken extends TenantModel {
  static override tableName = 'display_tokens';

  declare id: string;
  declare name: string;
  declare token_hash: string;
  declare created_by: string | null;
  declare created_at: Date;
  declare last_used_at: Date | null;
  declare revoked_at: Date | null;
}
