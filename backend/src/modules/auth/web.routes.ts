/**
 * Cookie sessions for the web app (see session.store.ts for the cookie and the CSRF mechanism):
 *   POST /auth/login  {username, password, tenant?} → {user, tenant, csrf_token}; sets the `gym.sid` cookie
 *   POST /auth/logout (X-CSRF-Token)                → destroys the session and clears the cookie
 *   GET  /auth/me                                   → {user, tenant, csrf_token}
 *   GET  /auth/csrf                                 → {csrf_token}
 */
import type { Context } from 'koa';
import type { AppDeps } from '../../deps.js';
import { reply } from '../../http/envelope.js';
import { unauthorized } from '../../http/errors.js';
import { ROLES, type AuthContext } from '../../http/auth-context.js';
import { route } from '../../http/route.js';
import { isLocale } from '../../contracts/i18n.js';
import { authenticatePassword } from './auth.service.js';
import { csrfSchema, loginBody, webMeSchema } from '../../contracts/auth.js';
import { noDataSchema } from '../../contracts/common.js';
import { csrfTokens } from './auth.middleware.js';
import { tenantHints } from './auth.routes.js';
import type { Resolved } from './credentials.js';
import { announceRevocation } from './revocations.js';
import { whoAmI } from './me.service.js';
import type { SessionAuthData } from './session.store.js';

const PEOPLE = ROLES.filter((r) => r !== 'display' && r !== 'api_key');

type RegeneratingSession = { regenerate(): Promise<void> } & Partial<SessionAuthData>;

/** The CSRF token of the request's session, or null for Bearer callers. */
function csrfFor(ctx: Context): string | null {
  const credentials = ctx.state.credentials as Resolved | undefined;
  return credentials?.csrfSecret ? csrfTokens.create(credentials.csrfSecret) : null;
}

/**
 * Once the ended session is gone from the store (koa-session writes it after the handler, before the
 * answer goes out), the sockets opened with its cookie are checked again, and dropped, on every server.
 */
export function endSessionSockets(deps: AppDeps, ctx: Context, auth: AuthContext | undefined): void {
  if (auth?.via !== 'session' || !auth.userId) return;
  const revocation = { kind: 'user', tenantId: auth.tenantId, userId: auth.userId } as const;
  ctx.res.once('finish', () => announceRevocation(deps, revocation));
}

export function webSessionRoutes(deps: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/auth/login',
      summary: 'Web app sign-in: sets the session cookie and answers the CSRF token',
      tag: 'web session',
      roles: 'public',
      body: loginBody,
      response: webMeSchema,
      handler: async (ctx, { body }) => {
        const { user } = await authenticatePassword(deps, {
          hints: tenantHints(deps, ctx, body.tenant),
          username: body.username,
          password: body.password,
          address: ctx.ip,
        });
        // A fresh session id at every login: an id planted before sign-in never becomes a signed-in one.
        const session = ctx.session as unknown as RegeneratingSession;
        await session.regenerate();
        const csrf = csrfTokens.secretSync();
        Object.assign(session, {
          uid: user.id, tid: user.tenant_id, role: user.role, usr: user.username,
          loc: isLocale(user.locale) ? user.locale : 'en', csrf, iat: Date.now(),
        } satisfies SessionAuthData);
        const auth: AuthContext = { tenantId: user.tenant_id, userId: user.id, role: user.role, username: user.username, via: 'session' };
        if (!isLocale(ctx.query.lang) && isLocale(user.locale)) ctx.state.locale = user.locale;
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, { ...(await whoAmI(deps, auth)), csrf_token: csrfTokens.create(csrf) }, { message: 'ok.logged_in' });
      },
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      summary: 'Web app sign-out: ends the session (needs X-CSRF-Token)',
      tag: 'web session',
      roles: 'public',
      response: noDataSchema,
      handler: async (ctx) => {
        const auth = ctx.state.auth as AuthContext | undefined;
        ctx.session = null;
        endSessionSockets(deps, ctx, auth);
        reply(ctx, null, { message: 'ok.logged_out' });
      },
    }),
    route({
      method: 'get',
      path: '/auth/me',
      summary: 'The signed-in user and tenant, with the CSRF token for state-changing requests',
      tag: 'web session',
      roles: PEOPLE,
      response: webMeSchema,
      handler: async (ctx) => {
        const auth = ctx.state.auth as AuthContext;
        if (!auth.userId) throw unauthorized();
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, { ...(await whoAmI(deps, auth)), csrf_token: csrfFor(ctx) });
      },
    }),
    route({
      method: 'get',
      path: '/auth/csrf',
      summary: 'The CSRF token of the current session (null without one)',
      tag: 'web session',
      roles: 'public',
      response: csrfSchema,
      handler: async (ctx) => {
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, { csrf_token: csrfFor(ctx) });
      },
    }),
  ];
}
