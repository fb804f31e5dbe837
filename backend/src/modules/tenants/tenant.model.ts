import { BaseModel } from '../../db/model.js';

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled' | 'suspended';
export type SubscriptionPlan = 'trial' | 'basic' | 'pro' | 'enterprise';

/** A gym: the platform's row of it. Seen only in the platform scope or as its own gym (row-level security). */
export class Tenant extends BaseModel {
  static override tableName = 'tenants';
  static override jsonAttributes = ['settings'];

  declare id: string;
  declare name: string;
  declare subdomain: string;
  declare subscription_plan: SubscriptionPlan;
  declare subscription_status: SubscriptionStatus;
  declare trial_ends_at: Date | null;
  declare settings: Record<string, unknown>;
  declare created_at: Date;
}
