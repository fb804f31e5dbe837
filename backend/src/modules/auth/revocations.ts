/**
 * Ending access early. Access tokens and web sessions outlive the facts they were issued on, so every
 * use is checked against the database, which is the authority and survives restarts:
 *   - `users.tokens_valid_after`: every token and session issued up to that instant is over (set when a
 *     person is deactivated, changes role or has their password reset: `revokeUserAccess`);
 *   - `refresh_tokens.revoked_at`: a login (token family) ended by logout or by refresh-token reuse;
 *   - `display_tokens.revoked_at` (checked where display tokens are resolved).
 * Answers are cached per process for STANDING_TTL_MS (the revocation service in AppDeps). After a
 * revocation commits it is announced: the announcing process drops its cache entry at once, and the
 * real-time layer carries the announcement to every other worker and node (the Socket.IO adapter), which
 * drop theirs and re-check the person's sockets. A lost announcement costs at most the cache's lifetime, never the revocation itself.
 */
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import type { RevocationNotice } from '../../contracts/events.js';
import type { Scope, UnitOfWork } from '../../db/unit-of-work.js';
import type { AppDeps } from '../../deps.js';
import type { Role } from '../../http/auth-context.js';
import { sqlLiteral } from '../../db/database.js';
import { User } from '../members/user.model.js';
import { RefreshToken } from './refresh-token.model.js';
import { isUuid } from '../../contracts/common.js';

/** What changed: a person's access (tenantId null: a platform user), a display token, or a tenant's status. */
export type Revocation = RevocationNotice;

/** A person's standing as the database says. */
export interface Standing {
  active: boolean;
  role: Exclude<Role, 'display'>;
  /** Credentials issued up to this instant (ms) are over; 0 when never set. */
  validAfter: number;
  /** Whether the asked-for login (token family) has ended. */
  familyRevoked: boolean;
}

export const STANDING_TTL_MS = 1_000;
/** People whose standing one process keeps; beyond it the least recently used is read again. */
const MAX_USERS = 50_000;

/** The revocation service of a process (AppDeps.revocations): its standing cache and its channel. */
export interface Revocations {
  /** Applies a committed revocation here and sends it to every other process. */
  announce(r: Revocation): void;
  /** A person's standing (and of one of their logins), from the cache or the database. */
  standingOf(tenantId: string | null, userId: string, family?: string): Promise<Standing | null>;
  /** The real-time layer carries announcements to the other processes with `carrier`... */
  attach(carrier: (r: Revocation) => void): void;
  detach(): void;
  /** ...and hands over what they announce. */
  received(r: Revocation): void;
  /** Runs for every revocation, local or remote; returns its removal. */
  onApplied(listener: (r: Revocation) => void): () => void;
  /** Lets go of the carrier and the listeners when the server closes. */
  close(): void;
}

type Cached = { at: number; standing: Standing | null };

export function createRevocations(deps: Pick<AppDeps, 'uow' | 'log' | 'tenantDirectory'>): Revocations {
  // user → family ('' for none) → standing (null: no such user). Keyed by user so that one revocation
  // drops all of a person's logins; the TTL also ends an entry whose announcement was lost.
  const cache = new LRUCache<string, Map<string, Cached>>({ max: MAX_USERS, ttl: STANDING_TTL_MS });
  // Bumped by every invalidation: a read that started before one is not cached.
  let epoch = 0;
  const listeners = new Set<(r: Revocation) => void>();
  let carrier: ((r: Revocation) => void) | null = null;

  const apply = (r: Revocation) => {
    epoch++;
    if (r.kind === 'user') cache.delete(r.userId);
    if (r.kind === 'tenant') deps.tenantDirectory.forget(r.tenantId);
    for (const listener of listeners) listener(r);
  };

  const keep = (userId: string, family: string, standing: Standing | null) => {
    const now = Date.now();
    const byFamily = cache.get(userId) ?? new Map<string, Cached>();
    // Logins of the person not checked within the TTL are over anyway: the map holds only recent ones.
    for (const [f, entry] of byFamily) if (now - entry.at >= STANDING_TTL_MS) byFamily.delete(f);
    byFamily.set(family, { at: now, standing });
    cache.set(userId, byFamily);
  };

  return {
    announce(r) {
      apply(r);
      try {
        carrier?.(r);
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, 'could not announce a revocation; other processes follow within the cache lifetime');
      }
    },
    async standingOf(tenantId, userId, family) {
      const key = family ?? '';
      const hit = cache.get(userId)?.get(key);
      if (hit && Date.now() - hit.at < STANDING_TTL_MS) return hit.standing;
      const started = epoch;
      const standing = await readStanding(deps.uow, tenantId, userId, family);
      if (epoch === started) keep(userId, key, standing);
      return standing;
    },
    attach(c) {
      carrier = c;
    },
    detach() {
      carrier = null;
    },
    received: apply,
    onApplied(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      carrier = null;
      listeners.clear();
      cache.clear();
    },
  };
}

/** Applies a committed revocation here and sends it to every other process. */
export function announceRevocation(deps: AppDeps, r: Revocation): void {
  deps.revocations.announce(r);
}

/** Announces once `trx` has committed (nothing when it rolls back). */
export function announceAfterCommit(deps: AppDeps, trx: Knex.Transaction, r: Revocation): void {
  trx.executionPromise.then(() => announceRevocation(deps, r), () => undefined);
}

/** Ends a login (token family) everywhere: its refresh tokens are already revoked in the database. */
export function revokeFamilyAccess(deps: AppDeps, tenantId: string | null, userId: string): void {
  announceRevocation(deps, { kind: 'user', tenantId, userId });
}

/**
 * Ends every login and session of a person issued until now, in `trx` (the transaction that deactivates
 * them, changes their role or resets their password); announced once it commits. New logins work at once.
 */
export async function revokeUserAccess(deps: AppDeps, scope: Scope, userId: string): Promise<void> {
  await scope.query(RefreshToken).where({ user_id: userId }).whereNull('revoked_at').patch({ revoked_at: RefreshToken.fn.now() });
  await scope.query(User).findById(userId).patch({ tokens_valid_after: new Date() });
  announceAfterCommit(deps, scope.trx, { kind: 'user', tenantId: scope.tenantId, userId });
}

/** A person's standing (and of one of their logins) as the database says. */
async function readStanding(uow: UnitOfWork, tenantId: string | null, userId: string, family?: string): Promise<Standing | null> {
  // Ids come from signed tokens and sessions; anything else is no one (and never reaches SQL as text to cast).
  if (!isUuid(userId) || (family !== undefined && !isUuid(family))) return null;
  // Asked on every use of a credential the cache does not know: one statement in one round trip, the
  // person and whether the login's family was revoked, instead of a transaction around a query.
  const familyRevoked = family
    ? `exists (select 1 from refresh_tokens r where r.tenant_id is not distinct from u.tenant_id and r.user_id = u.id and r.family_id = ${sqlLiteral(family)} and r.revoked_at is not null)`
    : 'false';
  const [row] = await uow.statementInScope<{ active: boolean; role: Standing['role']; tokens_valid_after: Date | null; family_revoked: boolean }>(
    tenantId,
    `select u.active, u.role, u.tokens_valid_after, ${familyRevoked} as family_revoked from users u
      where u.id = ${sqlLiteral(userId)} and ${tenantId ? `u.tenant_id = ${sqlLiteral(tenantId)}` : 'u.tenant_id is null'}`,
  );
  return row
    ? { active: row.active, role: row.role, validAfter: row.tokens_valid_after ? row.tokens_valid_after.getTime() : 0, familyRevoked: row.family_revoked }
    : null;
}

export interface AccessToCheck {
  family: string;
  userId: string;
  tenantId: string | null;
  role: Role;
  /** When the token was issued (ms). */
  issuedAt: number;
}

/** True when the token's login ended, its user is gone, inactive or has another role, or its user's tokens were revoked after it was issued. */
export async function isAccessRevoked(deps: AppDeps, t: AccessToCheck): Promise<boolean> {
  const s = await deps.revocations.standingOf(t.tenantId, t.userId, t.family);
  return !s || !s.active || s.role !== t.role || s.familyRevoked || t.issuedAt <= s.validAfter;
}
