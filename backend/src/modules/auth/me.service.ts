/** The signed-in caller as the apps show it: the user and the tenant. */
import type { AppDeps } from '../../deps.js';
import { unauthorized } from '../../http/errors.js';
import type { AuthContext } from '../../http/auth-context.js';
import type { Me } from '../../contracts/auth.js';
import { bookingRulesOf } from '../../contracts/booking-rules.js';
import { User } from '../members/user.model.js';
import { Tenant } from '../tenants/tenant.model.js';
import { publicUser } from './auth.service.js';

export async function whoAmI(deps: AppDeps, auth: AuthContext): Promise<Me> {
  if (!auth.userId) throw unauthorized();
  const userId = auth.userId;
  // The own gym's row is visible in its own scope (row-level security): read with the user, in one go.
  const found = await deps.uow.inScope(auth.tenantId, async ({ query, tenantId }) => ({
    user: await query(User).findById(userId),
    tenant: tenantId
      ? await query(Tenant).select('id', 'name', 'subdomain', 'settings', 'subscription_plan', 'subscription_status').findById(tenantId)
      : undefined,
  }));
  if (!found.user || !found.user.active) throw unauthorized();
  const tenant = found.tenant ? Object.assign(found.tenant, { settings: { ...found.tenant.settings, booking_rules: bookingRulesOf(found.tenant.settings) } }) : null;
  return { user: publicUser(found.user), tenant };
}
