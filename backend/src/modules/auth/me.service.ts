/** The signed-in caller as the apps show it: the user and the tenant. */
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import { unauthorized } from '../../http/errors.js';
import type { AuthContext } from '../../http/auth-context.js';
import type { Me, TenantSummary } from '../../contracts/auth.js';
import { publicUser, type UserRow } from './auth.service.js';

export async function whoAmI(deps: AppDeps, auth: AuthContext): Promise<Me> {
  if (!auth.userId) throw unauthorized();
  const userId = auth.userId;
  const q = (trx: Knex.Transaction) => trx<UserRow>('users').where({ id: userId }).first();
  // The own gym's row is visible in its own scope (row-level security): read with the user, in one go.
  const found = await deps.uow.inScope(auth.tenantId, async ({ trx, tenantId }) => ({
    user: await q(trx),
    tenant: tenantId
      ? (await trx('tenants').where({ id: tenantId })
        .first('id', 'name', 'subdomain', 'settings', 'subscription_plan', 'subscription_status')) as TenantSummary | undefined
      : undefined,
  }));
  if (!found.user || !found.user.active) throw unauthorized();
  return { user: publicUser(found.user), tenant: found.tenant ?? null };
}
