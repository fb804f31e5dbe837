/**
 * The owner manages the gym's API keys. No scope opens these routes to a key: a key can never make,
 * see or revoke keys, so it can never give itself more than it has.
 */
import { z } from 'zod';
import { apiKeyBody, apiKeyIdParams, apiKeySchema, newApiKeySchema } from '../../contracts/api-keys.js';
import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { forbidden } from '../../http/errors.js';
import { route } from '../../http/route.js';
import { announceRevocation } from '../auth/revocations.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.js';

export function apiKeyRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/api-keys',
      summary: "The gym's API keys with their scopes, state and last use (never their secrets)",
      tag: 'api keys',
      roles: ['owner'],
      response: z.array(apiKeySchema),
      handler: async (ctx) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, listApiKeys));
      },
    }),
    route({
      method: 'post',
      path: '/api/api-keys',
      // No Idempotency-Key on purpose: replaying the answer would mean keeping the secret, which is stored only hashed.
      summary: 'Make an API key for an integration; the secret `key` is shown only in this answer',
      tag: 'api keys',
      roles: ['owner'],
      body: apiKeyBody,
      status: 201,
      response: newApiKeySchema,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        const userId = auth.userId;
        if (!userId) throw forbidden();
        const created = await deps.uow.inTenant(auth.tenantId, (scope) => createApiKey(scope, body, { ...auth, userId }));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, created, { status: 201, message: 'ok.api_key_created' });
      },
    }),
    route({
      method: 'delete',
      path: '/api/api-keys/:id',
      summary: 'Revoke an API key: refused from the next request on every node, its sockets closed at once',
      tag: 'api keys',
      roles: ['owner'],
      params: apiKeyIdParams,
      response: apiKeySchema,
      handler: async (ctx, { params }) => {
        const auth = tenantAuth(ctx.state);
        const revoked = await deps.uow.inTenant(auth.tenantId, (scope) => revokeApiKey(scope, params.id, auth));
        // Committed: its open sockets are checked again, and dropped, on every server.
        announceRevocation(deps, { kind: 'api_key', tenantId: auth.tenantId, keyId: params.id });
        reply(ctx, revoked, { message: 'ok.api_key_revoked' });
      },
    }),
  ];
}
