import type { Plan, StoredTenantSettings, SubscriptionStatus } from '../../contracts/gym.js';
import { BaseModel } from '../../db/model.js';

/** A gym: the platform's row of it. Seen only in the platform scope or as its own gym (row-level security). */
export class Tenant extends BaseModel {
  static override tableName = 'tenants';
  static override jsonAttributes = ['settings'];

  declare id: string;
  declare name: string;
  declare subdomain: string;
  declare subscription_plan: Plan;
  declare subscription_status: SubscriptionStatus;
  declare trial_ends_at: Date | null;
  /** Written only through the settings schema (signup, PATCH /api/tenant) and the seed. */
  declare settings: StoredTenantSettings;
  declare created_at: Date;
}
