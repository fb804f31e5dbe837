/**
 * Logins and token pairs. A login is a refresh-token family: every refresh spends the presented token
 * and issues the next one of the same family; presenting a spent token again means it leaked, so the
 * whole family (and its access tokens, through the revocation list) ends.
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../deps.js';
import type { Scope } from '../../db/unit-of-work.js';
import { AppError, forbidden, unauthorized } from '../../http/errors.js';
import type { AuthUser, TokenPair } from '../../contracts/auth.js';
import { isLocale } from '../../contracts/i18n.js';
import { findTenantById, findTenantBySubdomain, isBlocked, type TenantEntry } from '../tenants/tenant-directory.js';
import bcrypt from 'bcrypt';
import { hashPassword, verifyPassword } from './passwords.js';
import { revokeFamilyAccess } from './revocations.js';
import { recordAudit } from '../audit/audit.service.js';
import { User } from '../members/user.model.js';
import { RefreshToken } from './refresh-token.model.js';
import { newOpaqueToken, parseOpaqueToken, signAccessToken } from './tokens.js';

/** What signing in needs of a person. */
export type UserRow = Pick<User, 'id' | 'tenant_id' | 'username' | 'password_hash' | 'role' | 'locale' | 'full_name' | 'email' | 'active'>;

/** Where a login says its tenant is; the first three may disagree only by being absent. */
export interface TenantHints {
  body?: string;
  header?: string;
  host?: string;
}

/** The platform scope is named explicitly with `platform` or by naming no tenant at all. */
type LoginTenant = { kind: 'platform' } | { kind: 'tenant'; tenant: TenantEntry } | { kind: 'unknown'; label: string };

export const publicUser = (u: UserRow): AuthUser => ({
  id: u.id, username: u.username, role: u.role, tenant_id: u.tenant_id,
  locale: isLocale(u.locale) ? u.locale : 'en', full_name: u.full_name,
});

const invalidCredentials = () => new AppError(401, 'invalid_credentials');
const tenantMismatch = () => forbidden('tenant_mismatch');

/** Resolves the tenant of a login from the body, the X-Tenant-ID header and the Host's subdomain. */
export async function resolveLoginTenant(deps: AppDeps, hints: TenantHints): Promise<LoginTenant> {
  const explicit: LoginTenant[] = [];
  if (hints.body !== undefined) {
    const label = hints.body.trim().toLowerCase();
    if (label === 'platform') explicit.push({ kind: 'platform' });
    else {
      const t = await findTenantBySubdomain(deps, label);
      explicit.push(t ? { kind: 'tenant', tenant: t } : { kind: 'unknown', label });
    }
  }
  if (hints.header !== undefined) {
    const t = await findTenantById(deps, hints.header.trim().toLowerCase());
    explicit.push(t ? { kind: 'tenant', tenant: t } : { kind: 'unknown', label: hints.header });
  }
  const fromHost = hints.host ? await findTenantBySubdomain(deps, hints.host) : undefined;
  const candidates: LoginTenant[] = explicit.length ? explicit : fromHost ? [{ kind: 'tenant', tenant: fromHost }] : [{ kind: 'platform' }];
  if (fromHost && explicit.length) candidates.push({ kind: 'tenant', tenant: fromHost });
  const key = (c: LoginTenant) => (c.kind === 'tenant' ? c.tenant.id : c.kind === 'platform' ? 'platform' : `?${c.label}`);
  if (new Set(candidates.map(key)).size > 1) throw tenantMismatch();
  return candidates[0]!;
}

async function findUser(deps: AppDeps, where: LoginTenant, username: string): Promise<UserRow | undefined> {
  if (where.kind === 'unknown') return undefined;
  // Usernames are unique regardless of case (a unique index on lower(username)), so sign-in ignores it too.
  return deps.uow.inScope(where.kind === 'tenant' ? where.tenant.id : null, async ({ query, tenantId }) => {
    const q = query(User).whereRaw('lower(username) = lower(?)', [username]);
    if (!tenantId) q.whereNull('tenant_id');
    return await q.first();
  });
}

/** Opens a new login (token family) for a user and returns its first pair. */
export async function issueTokens(deps: AppDeps, user: UserRow, family: string = randomUUID()): Promise<TokenPair> {
  const { token: refresh, hash } = newOpaqueToken('rt1', user.tenant_id);
  const row = {
    tenant_id: user.tenant_id, user_id: user.id, family_id: family, token_hash: hash,
    expires_at: new Date(Date.now() + deps.config.jwt.refreshTtlDays * 86_400_000),
  };
  await deps.uow.inScope(user.tenant_id, async ({ query }) => {
    await query(RefreshToken).insert(row);
    // Expired tokens can no longer be used or reused; now and then a login sweeps its own scope.
    if (Math.random() < 0.05) await query(RefreshToken).where('expires_at', '<', new Date(Date.now() - 86_400_000)).delete();
  });
  return pairFor(deps, user, family, refresh);
}

function pairFor(deps: AppDeps, user: UserRow, family: string, refresh: string): TokenPair {
  const access = signAccessToken(deps.config.jwt, {
    sub: user.id, tid: user.tenant_id, role: user.role, usr: user.username, loc: isLocale(user.locale) ? user.locale : 'en', fam: family,
  });
  return { access_token: access.token, refresh_token: refresh, token_type: 'Bearer', expires_in: access.expiresIn, user: publicUser(user) };
}

/**
 * Checks a username and password within the login's tenant. Unknown tenant, unknown user, inactive
 * user and wrong password all answer 401 invalid_credentials after one bcrypt comparison; a suspended
 * gym answers 403 tenant_suspended to every sign-in, right password or not. The attempt is counted
 * before the password is checked and given back only when it signs in.
 */
export async function authenticatePassword(
  deps: AppDeps,
  input: { hints: TenantHints; username: string; password: string; address: string },
): Promise<{ user: UserRow; tenant: TenantEntry | null }> {
  const where = await resolveLoginTenant(deps, input.hints);
  const scope = where.kind === 'tenant' ? where.tenant.id : where.kind === 'platform' ? 'platform' : `unknown:${where.label}`;
  const account = `${scope}:${input.username.toLowerCase()}`;
  const address = `${where.kind === 'unknown' ? 'unknown' : scope}:${input.address}`;
  const admission = await deps.loginThrottle.admit(account, address);

  const user = await findUser(deps, where, input.username);
  const ok = await verifyPassword(input.password, user?.password_hash, deps.config.bcryptCost);
  const tenant = where.kind === 'tenant' ? where.tenant : null;
  // Decided after the same bcrypt work, and the attempt stays counted: the answer tells nothing of the password.
  if (tenant && isBlocked(tenant.subscription_status)) throw forbidden('tenant_suspended');
  if (!ok || !user || !user.active) throw invalidCredentials();
  await admission.succeeded();
  await upgradeHash(deps, user, input.password);
  return { user, tenant };
}

/** Re-hashes a password stored at another cost than configured, now that it is known to be right. */
async function upgradeHash(deps: AppDeps, user: UserRow, password: string): Promise<void> {
  const cost = deps.config.bcryptCost;
  if (bcrypt.getRounds(user.password_hash) === cost) return;
  const hash = await hashPassword(password, cost);
  await deps.uow.inScope(user.tenant_id, async ({ query }) => {
    // Only if the password did not change meanwhile.
    await query(User).where({ id: user.id, password_hash: user.password_hash }).patch({ password_hash: hash });
  });
}

export async function login(
  deps: AppDeps,
  input: { hints: TenantHints; username: string; password: string; address: string },
): Promise<TokenPair> {
  const { user } = await authenticatePassword(deps, input);
  return issueTokens(deps, user);
}

type RefreshOutcome =
  | { kind: 'ok'; user: UserRow; family: string }
  | { kind: 'reused'; family: string; userId: string }
  | { kind: 'expired' | 'invalid' };

/** Spends a refresh token and returns the next pair of its family. */
export async function refresh(deps: AppDeps, presented: string): Promise<TokenPair> {
  const parsed = parseOpaqueToken('rt1', presented);
  if (!parsed) throw unauthorized();
  const { tenantId, hash } = parsed;
  if (tenantId) {
    const tenant = await findTenantById(deps, tenantId);
    if (!tenant) throw unauthorized();
    if (isBlocked(tenant.subscription_status)) throw forbidden('tenant_suspended');
  }
  const next = newOpaqueToken('rt1', tenantId);
  const work = async ({ trx, query }: Scope): Promise<RefreshOutcome> => {
    // The row lock makes two concurrent uses of one token a reuse, never two valid successors.
    const row = await query(RefreshToken).where({ token_hash: hash }).forUpdate().first();
    if (!row) return { kind: 'invalid' };
    if (row.used_at) {
      await query(RefreshToken).where({ family_id: row.family_id }).whereNull('revoked_at').patch({ revoked_at: RefreshToken.fn.now() });
      await recordAudit(trx, { tenantId, actor: null, action: 'auth.token_reuse_revoked', target: { type: 'user', id: row.user_id }, details: { family: row.family_id } });
      return { kind: 'reused', family: row.family_id, userId: row.user_id };
    }
    if (row.revoked_at) return { kind: 'invalid' };
    if (new Date(row.expires_at).getTime() <= Date.now()) return { kind: 'expired' };
    const user = await query(User).findById(row.user_id);
    if (!user || !user.active) return { kind: 'invalid' };
    await query(RefreshToken).findById(row.id).patch({ used_at: RefreshToken.fn.now() });
    await query(RefreshToken).insert({
      tenant_id: tenantId, user_id: user.id, family_id: row.family_id, token_hash: next.hash,
      expires_at: new Date(Date.now() + deps.config.jwt.refreshTtlDays * 86_400_000),
    });
    return { kind: 'ok', user, family: row.family_id };
  };
  const outcome = await deps.uow.inScope(tenantId, work);
  switch (outcome.kind) {
    case 'ok':
      return pairFor(deps, outcome.user, outcome.family, next.token);
    case 'reused':
      revokeFamilyAccess(deps, tenantId, outcome.userId);
      throw new AppError(401, 'token_reused');
    case 'expired':
      throw new AppError(401, 'token_expired');
    default:
      throw unauthorized();
  }
}

/**
 * Ends a login: the family of the presented refresh token (which must be the caller's), or, without
 * one, the family of the caller's access token. Its refresh tokens and access tokens stop working.
 */
export async function logout(
  deps: AppDeps,
  caller: { userId: string; tenantId: string | null; family: string | null },
  presented: string | undefined,
): Promise<void> {
  let family = caller.family;
  if (presented !== undefined) {
    const parsed = parseOpaqueToken('rt1', presented);
    if (!parsed || parsed.tenantId !== caller.tenantId) throw unauthorized();
    const row = await deps.uow.inScope(caller.tenantId, async ({ query }) =>
      await query(RefreshToken).select('family_id').where({ token_hash: parsed.hash, user_id: caller.userId }).first());
    if (!row) throw unauthorized();
    family = row.family_id;
  }
  if (!family) return;
  const fam = family;
  await deps.uow.inScope(caller.tenantId, async ({ query }) => {
    await query(RefreshToken).where({ family_id: fam, user_id: caller.userId }).whereNull('revoked_at').patch({ revoked_at: RefreshToken.fn.now() });
  });
  revokeFamilyAccess(deps, caller.tenantId, caller.userId);
}

