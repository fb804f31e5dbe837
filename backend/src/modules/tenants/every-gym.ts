import type { AppDeps } from '../../deps.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { Tenant } from './tenant.model.js';

/**
 * Runs `work` for every gym, each in its own scope, one after another: a background pass over the
 * platform. A gym whose work fails is logged and counted (its pass retries next time) and does not
 * hold up the others.
 */
export async function inEveryGym<T>(
  deps: Pick<AppDeps, 'uow' | 'log'>,
  pass: string,
  work: (scope: TenantScope) => Promise<T>,
): Promise<{ results: T[]; failed: number }> {
  // Every gym is visible only in the platform scope; read them before opening any gym's transaction.
  const gyms = await deps.uow.inPlatform(async (trx) => (await Tenant.query(trx).select('id')).map((t) => t.id));
  const results: T[] = [];
  let failed = 0;
  for (const tenantId of gyms) {
    try {
      results.push(await deps.uow.inTenant(tenantId, work));
    } catch (err) {
      deps.log.warn({ err, tenantId }, `${pass} failed for a gym; retried next pass`);
      failed++;
    }
  }
  return { results, failed };
}
