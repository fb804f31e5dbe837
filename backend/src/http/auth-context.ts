/**
 * Who is calling. Written only by the authentication middleware (HTTP) and the socket handshake;
 * everything else reads it.
 */
import type { Context, Middleware } from 'koa';
import { forbidden, unauthorized } from './errors.js';
import type { Role } from '../contracts/auth.js';
import type { Locale } from '../contracts/i18n.js';
import type { ApiScope } from '../contracts/api-scopes.js';

export { ROLES, type Role } from '../contracts/auth.js';

/** Staff roles see every booking and member of their tenant. */
export const STAFF: readonly Role[] = ['trainer', 'owner'];
/**
 * Whether the caller sees every booking and member of the gym: staff, and API keys (their routes'
 * scopes already decided what they may reach; a key is never more than the owner who made it).
 */
export const seesWholeGym = (auth: Pick<AuthContext, 'role'>): boolean => STAFF.includes(auth.role) || auth.role === 'api_key';

/** The role a caller's field rights are those of: a key acts within its creator's, an owner's. */
export const actingRole = (auth: Pick<AuthContext, 'role'>): Role => (auth.role === 'api_key' ? 'owner' : auth.role);

/** People of a tenant (no displays, no platform admins). */
export const TENANT_USERS: readonly Role[] = ['member', 'trainer', 'owner'];

/** What an API key may do, and who made it (the key works only while its creator is an active owner). */
export interface ApiKeyGrant {
  id: string;
  scopes: readonly ApiScope[];
  createdBy: string;
}

export interface AuthContext {
  /** null only for the platform admin. */
  tenantId: string | null;
  /** null for display tokens and API keys (no person). */
  userId: string | null;
  role: Role;
  username: string | null;
  /** How the caller proved who they are; cookie sessions need a CSRF token on unsafe methods. */
  via: 'bearer' | 'session' | 'display' | 'api_key';
  /** Set for API keys (role `api_key`) only. */
  apiKey?: ApiKeyGrant;
  /** The client's address as the app computes it (for the audit log); absent on sockets. */
  address?: string;
}

/** What the middleware leave on `ctx.state` (koa types it `any`): read it through `requestState`. */
export interface RequestState {
  requestId?: string;
  locale?: Locale;
  auth?: AuthContext;
}
export const requestState = (ctx: Pick<Context, 'state'>): RequestState => ctx.state;

/** An authenticated caller inside a tenant. */
export interface TenantAuth extends AuthContext {
  tenantId: string;
}

/** Refuses callers without one of `roles`: 401 when anonymous, 403 otherwise. */
export function requireRole(roles: readonly Role[]): Middleware {
  return async (ctx, next) => {
    const { auth } = requestState(ctx);
    if (!auth) throw unauthorized();
    if (!roles.includes(auth.role)) throw forbidden();
    await next();
  };
}

/** The caller's tenant auth; use after requireRole with tenant roles. */
export function tenantAuth(state: { auth?: AuthContext }): TenantAuth {
  const auth = state.auth;
  if (!auth) throw unauthorized();
  if (!auth.tenantId) throw forbidden();
  return auth as TenantAuth;
}
