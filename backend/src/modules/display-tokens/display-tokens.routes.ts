/** Owners manage the read-only tokens of their wall screens. */
import { z } from 'zod';
import { displayTokenBody, displayTokenIdParams, displayTokenSchema, newDisplayTokenSchema } from '../../contracts/display-tokens.js';
import type { AppDeps } from '../../deps.js';
import { reply } from '../../http/envelope.js';
import { tenantAuth } from '../../http/auth-context.js';
import { route } from '../../http/route.js';
import { announceRevocation } from '../auth/revocations.js';
import { createDisplayToken, listDisplayTokens, revokeDisplayToken } from './display-tokens.service.js';

export function displayTokenRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/display-tokens',
      summary: 'The gym\'s display tokens (never their secrets)',
      tag: 'display tokens',
      roles: ['owner'],
      response: z.array(displayTokenSchema),
      handler: async (ctx) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, listDisplayTokens));
      },
    }),
    route({
      method: 'post',
      path: '/api/display-tokens',
      // No Idempotency-Key on purpose: replaying the answer would mean keeping the secret, which is stored only hashed.
      summary: 'Create a read-only token for a wall screen; the secret `token` is shown only in this answer',
      tag: 'display tokens',
      roles: ['owner'],
      body: displayTokenBody,
      status: 201,
      response: newDisplayTokenSchema,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        const created = await deps.uow.inTenant(auth.tenantId, (scope) => createDisplayToken(scope, { name: body.name, createdBy: auth.userId }, auth));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, created, { status: 201 });
      },
    }),
    route({
      method: 'delete',
      path: '/api/display-tokens/:id',
      summary: 'Revoke a display token; screens using it are disconnected at once and refused from then on',
      tag: 'display tokens',
      roles: ['owner'],
      params: displayTokenIdParams,
      response: displayTokenSchema,
      handler: async (ctx, { params }) => {
        const auth = tenantAuth(ctx.state);
        const revoked = await deps.uow.inTenant(auth.tenantId, (scope) => revokeDisplayToken(scope, params.id, auth));
        // Screens open with it are checked again, and dropped, on every server.
        announceRevocation(deps, { kind: 'display', tenantId: auth.tenantId });
        reply(ctx, revoked);
      },
    }),
  ];
}
