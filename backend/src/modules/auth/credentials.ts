/**
 * Turns a presented credential into who is calling. One resolver for the HTTP middleware and the
 * Socket.IO handshake, so both accept and refuse exactly the same things:
 *   - an access JWT (HS256 only, issuer/audience/expiry checked, family not revoked),
 *   - a display token (`dt1.<tenant>.<secret>`, looked up by hash inside its tenant, not revoked),
 *   - an API key (`gf_live_…`, looked up by hash inside its tenant: modules/api-keys/api-key-credentials.ts),
 *   - a web-session cookie header (signed `gym.sid` cookie → session store).
 * In every case the tenant must exist and not be suspended or canceled.
 */
import Keygrip from 'keygrip';
import { parse as parseCookie } from 'cookie';
import type { AppDeps } from '../../deps.js';
import type { AuthContext } from '../../http/auth-context.js';
import type { Locale } from '../../contracts/i18n.js';
import { isBlocked } from '../tenants/tenant-directory.js';
import { DisplayToken } from '../display-tokens/display-token.model.js';
import { resolveApiKey } from '../api-keys/api-key-credentials.js';
import { isAccessRevoked } from './revocations.js';
import { SESSION_COOKIE, loadSessionAuth, type SessionAuth } from './session.store.js';
import { looksLikeApiKey, looksLikeDisplayToken, parseApiKey, parseOpaqueToken } from './tokens.js';

/** Who is calling, and until when the credential holds (seconds since epoch; null when it does not expire by itself). */
export type ResolvedCredentials = AuthContext & { expiresAt: number | null };

/** A resolved caller plus what the HTTP layer uses beyond AuthContext. */
export type Resolved = ResolvedCredentials & {
  /** The caller's language (users), for messages. */
  locale?: Locale;
  /** The login (refresh-token family) behind an access token. */
  family?: string;
  /** The CSRF secret of a cookie session. */
  csrfSecret?: string;
};

/** Why a credential was refused: 401 unauthorized / token_expired / api_key_expired, or 403 tenant_suspended. */
export type Refusal = 'unauthorized' | 'token_expired' | 'api_key_expired' | 'tenant_suspended';

const DISPLAY_TOUCH_MS = 60_000;

async function tenantUsable(deps: AppDeps, tenantId: string): Promise<Refusal | null> {
  const brief = await deps.tenantDirectory.brief(tenantId);
  if (!brief) return 'unauthorized';
  return isBlocked(brief.status) ? 'tenant_suspended' : null;
}

/**
 * Resolves a bearer token (access JWT, display token or API key); a Refusal says why not. `address` is
 * the client's, recorded as an API key's last use.
 */
export async function resolveToken(deps: AppDeps, token: string, address?: string): Promise<Resolved | Refusal> {
  if (looksLikeDisplayToken(token)) return resolveDisplayToken(deps, token);
  if (looksLikeApiKey(token)) {
    const parsed = parseApiKey(token);
    if (!parsed) return 'unauthorized';
    return (await tenantUsable(deps, parsed.tenantId)) ?? resolveApiKey(deps, parsed, address);
  }
  const verdict = deps.accessTokens.verify(token);
  if (!verdict.ok) return verdict.reason === 'expired' ? 'token_expired' : 'unauthorized';
  const c = verdict.claims;
  if (c.tid) {
    const refusal = await tenantUsable(deps, c.tid);
    if (refusal) return refusal;
  }
  if (await isAccessRevoked(deps, { family: c.fam, userId: c.sub, tenantId: c.tid, role: c.role, issuedAt: c.ims })) return 'unauthorized';
  return { tenantId: c.tid, userId: c.sub, role: c.role, username: c.usr, via: 'bearer', expiresAt: c.exp, locale: c.loc, family: c.fam };
}

async function resolveDisplayToken(deps: AppDeps, token: string): Promise<Resolved | Refusal> {
  const parsed = parseOpaqueToken('dt1', token);
  if (!parsed?.tenantId) return 'unauthorized';
  const tenantId = parsed.tenantId;
  const refusal = await tenantUsable(deps, tenantId);
  if (refusal) return refusal;
  const found = await deps.uow.inTenant(tenantId, async ({ query }) => {
    const row = await query(DisplayToken).select('id', 'last_used_at').where({ token_hash: parsed.hash }).whereNull('revoked_at').first();
    if (!row) return false;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > DISPLAY_TOUCH_MS) {
      await query(DisplayToken).findById(row.id).patch({ last_used_at: DisplayToken.fn.now() });
    }
    return true;
  });
  if (!found) return 'unauthorized';
  return { tenantId, userId: null, role: 'display', username: null, via: 'display', expiresAt: null };
}

/** Reads the signed session cookie from a raw Cookie header; undefined when absent or forged. */
export function sessionIdFromCookieHeader(deps: AppDeps, cookieHeader: string): string | undefined {
  let cookies: Record<string, string | undefined>;
  try {
    cookies = parseCookie(cookieHeader);
  } catch {
    return undefined;
  }
  const sid = cookies[SESSION_COOKIE];
  const sig = cookies[`${SESSION_COOKIE}.sig`];
  if (!sid || !sig) return undefined;
  return new Keygrip([deps.config.session.secret]).verify(`${SESSION_COOKIE}=${sid}`, sig) ? sid : undefined;
}

/** Resolves signed-in session data into its caller (checks the tenant like every other credential, and the user). */
export async function resolveSessionAuth(deps: AppDeps, session: SessionAuth | null): Promise<Resolved | Refusal> {
  if (!session) return 'unauthorized';
  if (session.tenantId) {
    const refusal = await tenantUsable(deps, session.tenantId);
    if (refusal) return refusal;
  }
  // A session lasts hours: a deactivated person, a changed role or a password reset ends it at once.
  const standing = await deps.revocations.standingOf(session.tenantId, session.userId);
  if (!standing?.active || session.issuedAt <= standing.validAfter) return 'unauthorized';
  return {
    tenantId: session.tenantId, userId: session.userId, role: standing.role, username: session.username, via: 'session',
    expiresAt: Math.floor(session.expiresAt / 1000), locale: session.locale, csrfSecret: session.csrf,
  };
}

/**
 * Resolves an access JWT, a display token or a web-session cookie header into who is calling; null when
 * none is valid, including when the tenant is suspended. Shared by the HTTP authentication middleware
 * and the Socket.IO handshake. A token wins over a cookie when both are given.
 */
export async function resolveCredentials(
  deps: AppDeps,
  input: { token?: string; cookieHeader?: string; address?: string },
): Promise<ResolvedCredentials | null> {
  let result: Resolved | Refusal = 'unauthorized';
  if (typeof input.token === 'string' && input.token) result = await resolveToken(deps, input.token, input.address);
  else if (typeof input.cookieHeader === 'string' && input.cookieHeader) {
    const sid = sessionIdFromCookieHeader(deps, input.cookieHeader);
    if (sid) result = await resolveSessionAuth(deps, await loadSessionAuth(deps, sid));
  }
  if (typeof result === 'string') return null;
  const { locale: _l, family: _f, csrfSecret: _c, ...credentials } = result;
  return credentials;
}
