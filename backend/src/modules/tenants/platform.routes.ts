/** Platform administration: list, suspend and re-plan tenants (counts only, no tenant data). */
import type { AppDeps } from '../../deps.js';
import { requestState } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route, sameForEveryField } from '../../http/route.js';
import { createPlatformTenant, getPlatformTenant, listTenants, updatePlatformTenant } from './platform.service.js';
import { platformListQuery, platformPatchBody, platformTenantSchema, signupBodies, tenantIdParams } from '../../contracts/tenants.js';
import { z } from 'zod';
import { newPassword } from '../auth/password-strength.js';

const { platformCreate: platformCreateBody } = signupBodies(newPassword);

export function platformRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/platform/tenants',
      summary: 'Every tenant with its plan, status and counts; paged by ?limit=&cursor= (Link rel="next")',
      tag: 'platform',
      roles: ['platform_admin'],
      query: platformListQuery,
      response: z.array(platformTenantSchema),
      handler: async (ctx, { query }) => {
        const page = await listTenants(deps, query);
        if (page.next) {
          const params = new URLSearchParams({ limit: String(query.limit), cursor: page.next });
          if (query.status) params.set('status', query.status);
          if (query.q) params.set('q', query.q);
          ctx.set('Link', `<${ctx.path}?${params}>; rel="next"`);
        }
        reply(ctx, page.items);
      },
    }),
    route({
      method: 'post',
      path: '/api/platform/tenants',
      summary: 'Open a gym with its first owner, on the trial or a chosen plan',
      tag: 'platform',
      roles: ['platform_admin'],
      body: platformCreateBody,
      status: 201,
      // Like signup, no Idempotency-Key: idempotent answers are kept per gym, and the platform has none.
      // A retry is answered 409 on the taken subdomain instead.
      response: platformTenantSchema,
      handler: async (ctx, { body }) => reply(ctx, await createPlatformTenant(deps, body, requestState(ctx).auth ?? null), { status: 201 }),
    }),
    route({
      method: 'get',
      path: '/api/platform/tenants/:id',
      summary: 'One tenant with its plan, status and counts',
      tag: 'platform',
      roles: ['platform_admin'],
      params: tenantIdParams,
      response: platformTenantSchema,
      handler: async (ctx, { params }) => reply(ctx, await getPlatformTenant(deps, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/platform/tenants/:id',
      summary: 'Suspend, reactivate or re-plan a tenant; a suspended tenant\'s users can neither log in nor connect',
      tag: 'platform',
      roles: ['platform_admin'],
      params: tenantIdParams,
      body: platformPatchBody,
      fields: sameForEveryField(platformPatchBody, ['platform_admin']),
      response: platformTenantSchema,
      handler: async (ctx, { params, body }) => reply(ctx, await updatePlatformTenant(deps, params.id, body, requestState(ctx).auth ?? null)),
    }),
  ];
}
