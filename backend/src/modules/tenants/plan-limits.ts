/**
 * What each subscription plan allows. Creating an area or a member checks the plan inside the same
 * transaction, with the tenant row locked, so two concurrent creations cannot both slip past the limit.
 */
import type { TenantScope } from '../../db/unit-of-work.js';
import { forbidden } from '../../http/errors.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';
import { Tenant } from './tenant.model.js';

import { PLANS, type Plan } from '../../contracts/gym.js';

export { PLANS, type Plan };
export type LimitedResource = 'areas' | 'members';

/** null: unlimited. */
export const PLAN_LIMITS: Record<Plan, Record<LimitedResource, number | null>> = {
  trial: { areas: 5, members: 50 },
  basic: { areas: 10, members: 500 },
  pro: { areas: 50, members: 5000 },
  enterprise: { areas: null, members: null },
};

export function limitsOf(plan: string): Record<LimitedResource, number | null> {
  return PLAN_LIMITS[(PLANS as readonly string[]).includes(plan) ? (plan as Plan) : 'trial'];
}

/** How many of a resource the tenant of the scope has (RLS confines the count to it). */
export async function countResource(scope: TenantScope, resource: LimitedResource): Promise<number> {
  return resource === 'areas' ? scope.query(Area).resultSize() : scope.query(User).where({ role: 'member' }).resultSize();
}

/**
 * Throws 403 `plan_limit_reached` (details: resource, plan, limit) when the tenant's plan allows no more
 * of `resource`. Call it inside the unit of work that creates the row, before inserting.
 */
export async function assertPlanAllows(scope: TenantScope, resource: LimitedResource): Promise<void> {
  const tenant = await scope.query(Tenant).select('subscription_plan').forUpdate().findById(scope.tenantId);
  const plan = tenant?.subscription_plan ?? 'trial';
  const limit = limitsOf(plan)[resource];
  if (limit === null) return;
  const used = await countResource(scope, resource);
  if (used >= limit) throw forbidden('plan_limit_reached', { resource, plan, limit });
}
