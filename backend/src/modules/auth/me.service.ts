/** The signed-in caller as the apps show it: the user and the tenant. */
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import { unauthorized } from '../../http/errors.js';
import type { AuthContext } from '../../http/auth-context.js';
import { findTenantById } from '../tenants/tenant-directory.js';
import { publicUser, type PublicUser, type UserRow } from './auth.service.js';

export interface TenantSummary {
  id: string;
  name: string;
  subdomain: string;
  settings: Record<string, unknown>;
  subscription_plan: string;
  subscription_status: string;
}

export async function whoAmI(deps: AppDeps, auth: AuthContext): Promise<{ user: PublicUser; tenant: TenantSummary | null }> {
  if (!auth.userId) throw unauthorized();
  const userId = auth.userId;
  const q = (trx: Knex.Transaction) => trx<UserRow>('users').where({ id: userId }).first();
  const user = auth.tenantId ? await deps.uow.inTenant(auth.tenantId, (s) => q(s.trx)) : await deps.uow.inPlatform(q);
  if (!user || !user.active) throw unauthorized();
  const t = auth.tenantId ? await findTenantById(deps, auth.tenantId) : undefined;
  const tenant = t
    ? { id: t.id, name: t.name, subdomain: t.subdomain, settings: t.settings, subscription_plan: t.subscription_plan, subscription_status: t.subscription_status }
    : null;
  return { user: publicUser(user), tenant };
}
