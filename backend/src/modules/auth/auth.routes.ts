/** Token API for apps and integrations (docs/http-api.md, Signing in): login, refresh, logout, me. */
import type { Context } from 'koa';
import { noDataSchema } from '../../contracts/common.js';
import type { AppDeps } from '../../deps.js';
import { reply } from '../../http/envelope.js';
import { unauthorized } from '../../http/errors.js';
import { ROLES, type AuthContext } from '../../http/auth-context.js';
import { route } from '../../http/route.js';
import { subdomainFromHost } from '../tenants/tenant-directory.js';
import type { Resolved } from './credentials.js';
import { login, logout, refresh, type TenantHints } from './auth.service.js';
import { loginBody, logoutBody, meSchema, refreshBody, tokenPairSchema } from '../../contracts/auth.js';
import { whoAmI } from './me.service.js';
import { endSessionSockets } from './web.routes.js';

const PEOPLE = ROLES.filter((r) => r !== 'display' && r !== 'api_key');

/** Where the request says its tenant is, for a login. */
export function tenantHints(deps: AppDeps, ctx: Context, bodyTenant: string | undefined): TenantHints {
  const header = ctx.get('x-tenant-id');
  return {
    body: bodyTenant,
    header: header ? header : undefined,
    host: subdomainFromHost(ctx.hostname, deps.config.baseDomain),
  };
}

export function authRoutes(deps: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in with username and password within a tenant; answers an access and a refresh token',
      tag: 'auth',
      roles: 'public',
      body: loginBody,
      response: tokenPairSchema,
      handler: async (ctx, { body }) => {
        const pair = await login(deps, {
          hints: tenantHints(deps, ctx, body.tenant),
          username: body.username,
          password: body.password,
          address: ctx.ip,
        });
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, pair, { message: 'ok.logged_in' });
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Spend a refresh token for a new pair; reusing a spent one ends the whole login',
      tag: 'auth',
      roles: 'public',
      body: refreshBody,
      response: tokenPairSchema,
      handler: async (ctx, { body }) => {
        const pair = await refresh(deps, body.refresh_token);
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, pair);
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End a login: its refresh token and its access tokens stop working',
      tag: 'auth',
      roles: PEOPLE,
      body: logoutBody,
      response: noDataSchema,
      handler: async (ctx, { body }) => {
        const auth = ctx.state.auth as AuthContext;
        const credentials = ctx.state.credentials as Resolved;
        if (!auth.userId) throw unauthorized();
        await logout(deps, { userId: auth.userId, tenantId: auth.tenantId, family: credentials.family ?? null }, body.refresh_token);
        if (auth.via === 'session') {
          ctx.session = null;
          endSessionSockets(deps, ctx, auth);
        }
        reply(ctx, null, { message: 'ok.logged_out' });
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      summary: 'Who the bearer is, with the tenant',
      tag: 'auth',
      roles: PEOPLE,
      response: meSchema,
      handler: async (ctx) => reply(ctx, await whoAmI(deps, ctx.state.auth as AuthContext)),
    }),
  ];
}
