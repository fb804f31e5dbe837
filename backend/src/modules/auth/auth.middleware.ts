import type { Context, Middleware } from 'koa';
import Tokens from 'csrf';
import type { AppDeps } from '../../deps.js';
import { AppError, forbidden, unauthorized } from '../../http/errors.js';
import { isLocale } from '../../contracts/i18n.js';
import { subdomainFromHost } from '../tenants/tenant-directory.js';
import { resolveSessionAuth, resolveToken, type Refusal, type Resolved } from './credentials.js';
import { sessionAuthFrom, sessionMiddleware } from './session.store.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Public endpoints that act on their body alone. Credentials sent along are ignored: an expired access
 * token a client still attaches must not block the refresh that replaces it, and a session cookie needs
 * no CSRF token where it is not used.
 */
const CREDENTIALS_IGNORED = new Set(['POST /auth/login', 'POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/tenants']);
export const csrfTokens = new Tokens();

function refuse(refusal: Refusal): never {
  if (refusal === 'tenant_suspended') throw forbidden('tenant_suspended');
  if (refusal === 'token_expired') throw new AppError(401, 'token_expired');
  if (refusal === 'api_key_expired') throw new AppError(401, 'api_key_expired');
  throw unauthorized();
}

/** The request names no other tenant than the caller's (X-Tenant-ID or the Host's subdomain). */
async function assertSameTenant(deps: AppDeps, ctx: Context, auth: Resolved): Promise<void> {
  const header = ctx.get('x-tenant-id').trim().toLowerCase();
  if (header && header !== auth.tenantId) throw forbidden('tenant_mismatch');
  const sub = subdomainFromHost(ctx.hostname, deps.config.baseDomain);
  if (sub && auth.tenantId) {
    const brief = await deps.tenantDirectory.brief(auth.tenantId);
    if (brief?.subdomain !== sub) throw forbidden('tenant_mismatch');
  }
}

/**
 * Authentication: the only writer of ctx.state.auth (and so of the request's tenant).
 * A Bearer token (access JWT, display token or API key) wins; otherwise the web-session cookie, which needs the
 * X-CSRF-Token header on state-changing methods. A bad Bearer token is refused outright (no fallback to
 * the cookie), and a request that names another tenant than the caller's is refused with 403.
 */
export function authentication(deps: AppDeps): Middleware[] {
  const authenticate: Middleware = async (ctx, next) => {
    delete ctx.state.auth;
    if (CREDENTIALS_IGNORED.has(`${ctx.method} ${ctx.path}`)) {
      await next();
      return;
    }
    const header = ctx.get('authorization');
    let auth: Resolved | undefined;
    if (header) {
      const m = /^Bearer\s+(\S{1,4096})$/i.exec(header.trim());
      if (!m) throw unauthorized();
      const result = await resolveToken(deps, m[1]!, ctx.ip);
      if (typeof result === 'string') refuse(result);
      auth = result;
      // An integration's budget is its own, counted once the key is known to be good.
      if (auth.apiKey) await deps.apiKeyLimits.take(auth.apiKey.id);
    } else {
      const session = sessionAuthFrom(deps, ctx.session as never);
      if (session) {
        const result = await resolveSessionAuth(deps, session);
        if (typeof result === 'string') {
          // A session whose tenant was suspended or whose user is gone is over.
          ctx.session = null;
          refuse(result);
        }
        auth = result;
        if (!SAFE_METHODS.has(ctx.method) && !csrfTokens.verify(auth.csrfSecret ?? '', ctx.get('x-csrf-token'))) {
          throw forbidden('csrf_failed');
        }
      }
    }
    if (auth) {
      // Wall screens only ever read.
      if (auth.via === 'display' && !SAFE_METHODS.has(ctx.method)) throw forbidden();
      await assertSameTenant(deps, ctx, auth);
      ctx.state.auth = {
        tenantId: auth.tenantId, userId: auth.userId, role: auth.role, username: auth.username, via: auth.via, address: ctx.ip,
        ...(auth.apiKey ? { apiKey: auth.apiKey } : {}),
      };
      ctx.state.credentials = auth;
      if (auth.locale && !isLocale(ctx.query.lang)) ctx.state.locale = auth.locale;
    }
    await next();
  };
  return [sessionMiddleware(deps), authenticate];
}
