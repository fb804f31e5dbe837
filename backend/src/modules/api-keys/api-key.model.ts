import type { ApiScope } from '../../contracts/api-scopes.js';
import { TenantModel } from '../../db/model.js';

/** An integrator's key: only its hash is stored; its scopes bound what it may do; revoked at once by `revoked_at`. */
export class ApiKey extends TenantModel {
  static override tableName = 'api_keys';
  static override jsonAttributes = ['scopes'];

  declare id: string;
  declare name: string;
  declare prefix: string;
  declare token_hash: string;
  declare scopes: ApiScope[];
  declare created_by: string;
  declare created_at: Date;
  declare expires_at: Date | null;
  declare last_used_at: Date | null;
  declare last_used_address: string | null;
  declare revoked_at: Date | null;
}
