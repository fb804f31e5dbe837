/**
 * Access tokens are stateless JWTs, so ending a login early (logout, refresh-token reuse) needs a
 * revocation list of token families, kept for one access-token lifetime: in Redis when configured
 * (shared by every worker), in process memory otherwise (embedded mode has a single process). When
 * Redis cannot answer, the database decides: a family is revoked when its refresh tokens say so.
 */
import type { AppDeps } from '../../deps.js';
import { viaRedis } from './redis-guard.js';

const local = new WeakMap<AppDeps, Map<string, number>>();
const mapOf = (deps: AppDeps) => {
  let m = local.get(deps);
  if (!m) local.set(deps, (m = new Map()));
  return m;
};
const key = (family: string) => `gym:revoked-family:${family}`;

export async function revokeFamilyAccess(deps: AppDeps, family: string): Promise<void> {
  const ttl = deps.config.jwt.accessTtlSeconds;
  const m = mapOf(deps);
  m.set(family, Date.now() + ttl * 1000);
  if (m.size > 50_000) for (const [f, until] of m) if (until < Date.now()) m.delete(f);
  if (deps.redis) {
    try {
      await viaRedis(deps.redis, (r) => r.set(key(family), '1', 'EX', ttl));
    } catch (err) {
      // The database already says the family is revoked; this worker's memory holds it too.
      deps.log.warn({ err: (err as Error).message }, 'could not record a revoked token family in redis');
    }
  }
}

/** True when the family was revoked within the access-token lifetime. */
export async function isFamilyRevoked(deps: AppDeps, family: string, tenantId: string | null): Promise<boolean> {
  const until = mapOf(deps).get(family);
  if (until && until > Date.now()) return true;
  if (!deps.redis) return false;
  try {
    return (await viaRedis(deps.redis, (r) => r.exists(key(family)))) === 1;
  } catch {
    const work = async (trx: import('knex').Knex.Transaction) =>
      Boolean(await trx('refresh_tokens').where({ family_id: family }).whereNotNull('revoked_at').first('id'));
    return tenantId ? deps.uow.inTenant(tenantId, (s) => work(s.trx)) : deps.uow.inPlatform(work);
  }
}
