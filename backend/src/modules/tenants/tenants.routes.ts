/** Signup of a new gym, and the tenant's own settings. */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps.js';
import { reply } from '../../http/envelope.js';
import { tooManyRequests } from '../../http/errors.js';
import { tenantAuth } from '../../http/auth-context.js';
import { route, sameForEveryField } from '../../http/route.js';
import { getTenant, signup, updateTenant } from './tenants.service.js';
import { signInOptionsSchema, signupAnswerSchema, signupBodies, tenantPatchBody, tenantSchema } from '../../contracts/tenants.js';
import { newPassword } from '../auth/password-strength.js';

const { signup: signupBody } = signupBodies(newPassword);

/** Signups per address and hour: enough for a person, too few to farm subdomains. */
const SIGNUPS_PER_HOUR = 20;

export function tenantRoutes(deps: AppDeps) {
  // Per process on purpose: a signup is rare and cheap to refuse; no need to share counters.
  const signups = new RateLimiterMemory({ keyPrefix: 'signup', points: SIGNUPS_PER_HOUR, duration: 3600 });
  return [
    route({
      method: 'post',
      path: '/api/tenants',
      summary: 'Sign a new gym up: tenant, subdomain and owner account, on a 14-day trial',
      tag: 'tenants',
      roles: 'public',
      body: signupBody,
      status: 201,
      response: signupAnswerSchema,
      handler: async (ctx, { body }) => {
        try {
          await signups.consume(ctx.ip);
        } catch (err) {
          if (err instanceof RateLimiterRes) throw tooManyRequests(err.msBeforeNext / 1000);
          throw err;
        }
        reply(ctx, await signup(deps, body), { status: 201 });
      },
    }),
    route({
      method: 'get',
      path: '/api/sign-in-options',
      summary: 'What the sign-in page may offer: whether the demo gyms (and their published logins) exist',
      tag: 'tenants',
      roles: 'public',
      response: signInOptionsSchema,
      handler: async (ctx) => reply(ctx, { demo_logins: deps.config.seedDemo }),
    }),
    route({
      method: 'get',
      path: '/api/tenant',
      summary: 'The caller\'s gym: name, plan, settings (owners also see plan usage)',
      tag: 'tenants',
      roles: ['member', 'trainer', 'owner', 'display'], scope: 'occupancy:read',
      response: tenantSchema,
      handler: async (ctx) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, (scope) => getTenant(scope, auth.role === 'owner')));
      },
    }),
    route({
      method: 'patch',
      path: '/api/tenant',
      summary: 'Change the gym\'s name or settings (locale, timezone, currency, opening hours)',
      tag: 'tenants',
      roles: ['owner'],
      body: tenantPatchBody,
      fields: sameForEveryField(tenantPatchBody, ['owner']),
      response: tenantSchema,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, (scope) => updateTenant(scope, body)));
      },
    }),
  ];
}
