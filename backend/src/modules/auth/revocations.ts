/**
 * Access tokens are stateless JWTs, so ending access early needs a revocation list kept for one
 * access-token lifetime:
 *   - a token family (one login) ends at logout and when a spent refresh token is reused;
 *   - a user's tokens issued so far end when the user is deactivated or changes role
 *     (`revokeUserAccess`, called by whoever makes that change, inside its transaction).
 * The list lives in Redis when configured (shared by every worker) and in process memory always (the
 * embedded mode is one process). When Redis cannot answer, the database decides.
 */
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import type { Role } from '../../http/auth-context.js';
import { viaRedis } from './redis-guard.js';

interface Lists {
  /** family → revoked until (ms). */
  families: Map<string, number>;
  /** user → [revoked at (ms), remembered until (ms)]. */
  users: Map<string, [number, number]>;
}
const local = new WeakMap<AppDeps, Lists>();
const listsOf = (deps: AppDeps) => {
  let l = local.get(deps);
  if (!l) local.set(deps, (l = { families: new Map(), users: new Map() }));
  return l;
};
const familyKey = (family: string) => `gym:revoked-family:${family}`;
const userKey = (user: string) => `gym:revoked-user:${user}`;

function prune<V>(map: Map<string, V>, until: (v: V) => number): void {
  if (map.size < 50_000) return;
  const now = Date.now();
  for (const [k, v] of map) if (until(v) < now) map.delete(k);
}

async function remember(deps: AppDeps, key: string, value: string): Promise<void> {
  if (!deps.redis) return;
  try {
    await viaRedis(deps.redis, (r) => r.set(key, value, 'EX', deps.config.jwt.accessTtlSeconds));
  } catch (err) {
    // The database holds the same fact (revoked refresh tokens, inactive user) for the fallback check.
    deps.log.warn({ err: (err as Error).message }, 'could not record a token revocation in redis');
  }
}

export async function revokeFamilyAccess(deps: AppDeps, family: string): Promise<void> {
  const { families } = listsOf(deps);
  families.set(family, Date.now() + deps.config.jwt.accessTtlSeconds * 1000);
  prune(families, (until) => until);
  await remember(deps, familyKey(family), '1');
}

/**
 * Ends every login of a user: their refresh tokens (in `trx`, the transaction that deactivates them
 * or changes their role) and every access token issued until now. New logins work again at once.
 */
export async function revokeUserAccess(deps: AppDeps, trx: Knex.Transaction, userId: string): Promise<void> {
  await trx('refresh_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
  const now = Date.now();
  const { users } = listsOf(deps);
  users.set(userId, [now, now + deps.config.jwt.accessTtlSeconds * 1000]);
  prune(users, ([, until]) => until);
  await remember(deps, userKey(userId), String(now));
}

export interface AccessToCheck {
  family: string;
  userId: string;
  tenantId: string | null;
  role: Role;
  /** When the token was issued (ms). */
  issuedAt: number;
}

/** True when the token's family was revoked, or its user's tokens were revoked after it was issued. */
export async function isAccessRevoked(deps: AppDeps, t: AccessToCheck): Promise<boolean> {
  const { families, users } = listsOf(deps);
  const famUntil = families.get(t.family);
  if (famUntil && famUntil > Date.now()) return true;
  const user = users.get(t.userId);
  if (user && user[1] > Date.now() && t.issuedAt <= user[0]) return true;
  if (!deps.redis) return false;
  try {
    const [fam, userAt] = await viaRedis(deps.redis, (r) => r.mget(familyKey(t.family), userKey(t.userId)));
    return fam !== null || (userAt !== null && t.issuedAt <= Number(userAt));
  } catch {
    const work = async (trx: Knex.Transaction) => {
      const revoked = await trx('refresh_tokens').where({ family_id: t.family }).whereNotNull('revoked_at').first('id');
      const user = await trx('users').where({ id: t.userId }).first('active', 'role');
      return Boolean(revoked) || !user || !user.active || user.role !== t.role;
    };
    return t.tenantId ? deps.uow.inTenant(t.tenantId, (s) => work(s.trx)) : deps.uow.inPlatform(work);
  }
}
