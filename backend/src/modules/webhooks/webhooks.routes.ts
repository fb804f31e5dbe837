/**
 * The owner (or an API key with webhooks:manage) manages the gym's webhook endpoints; delivery itself
 * runs in every process (dispatcher.ts), fed from the event log.
 */
import { z } from 'zod';
import {
  webhookCreateBody, webhookDeliveriesQuery, webhookDeliverySchema, webhookEndpointSchema, webhookIdParams, webhookRecoverBody,
  webhookRecoverSchema, webhookUpdateBody, webhookWithSecretSchema,
} from '../../contracts/webhooks.js';
import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route, sameForEveryField } from '../../http/route.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import {
  createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, recoverWebhook, rotateSecret, testWebhook, updateWebhook,
} from './webhooks.service.js';

const ACCESS = { tag: 'webhooks', roles: ['owner'] as const, scope: 'webhooks:manage' as const };

export function webhookRoutes(deps: AppDeps) {
  const cfg = deps.config.webhooks;
  const inGym = <T>(state: Parameters<typeof tenantAuth>[0], work: (scope: TenantScope) => Promise<T>) => deps.uow.inTenant(tenantAuth(state).tenantId, work);
  return [
    route({
      ...ACCESS, method: 'get', path: '/api/webhooks', summary: "The gym's webhook endpoints, with their state (never their secrets)",
      response: z.array(webhookEndpointSchema),
      handler: async (ctx) => reply(ctx, await inGym(ctx.state, listWebhooks)),
    }),
    route({
      ...ACCESS, method: 'post', path: '/api/webhooks', summary: 'Add an endpoint; the signing secret is shown only in this answer',
      body: webhookCreateBody, status: 201, response: webhookWithSecretSchema,
      handler: async (ctx, { body }) => {
        const created = await inGym(ctx.state, (scope) => createWebhook(scope, body, cfg));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, created, { status: 201, message: 'ok.webhook_created' });
      },
    }),
    route({
      ...ACCESS, method: 'get', path: '/api/webhooks/:id', summary: 'One endpoint', params: webhookIdParams, response: webhookEndpointSchema,
      handler: async (ctx, { params }) => reply(ctx, await inGym(ctx.state, (scope) => getWebhook(scope, params.id))),
    }),
    route({
      ...ACCESS, method: 'patch', path: '/api/webhooks/:id', summary: 'Change an endpoint; enabling it again clears why it was disabled',
      params: webhookIdParams, body: webhookUpdateBody, response: webhookEndpointSchema, fields: sameForEveryField(webhookUpdateBody, ['owner']),
      handler: async (ctx, { params, body }) => reply(ctx, await inGym(ctx.state, (scope) => updateWebhook(scope, params.id, body, cfg))),
    }),
    route({
      ...ACCESS, method: 'delete', path: '/api/webhooks/:id', summary: 'Remove an endpoint and its delivery log', params: webhookIdParams, response: webhookEndpointSchema,
      handler: async (ctx, { params }) => reply(ctx, await inGym(ctx.state, (scope) => deleteWebhook(scope, params.id))),
    }),
    route({
      ...ACCESS, method: 'post', path: '/api/webhooks/:id/rotate-secret', summary: 'A new signing secret (shown once); the old one signs beside it for a day',
      params: webhookIdParams, response: webhookWithSecretSchema,
      handler: async (ctx, { params }) => {
        const rotated = await inGym(ctx.state, (scope) => rotateSecret(scope, params.id, cfg));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, rotated, { message: 'ok.webhook_secret_rotated' });
      },
    }),
    route({
      ...ACCESS, method: 'get', path: '/api/webhooks/:id/deliveries', summary: 'The delivery log, latest first: every attempt with its answer',
      params: webhookIdParams, query: webhookDeliveriesQuery, response: z.array(webhookDeliverySchema),
      handler: async (ctx, { params, query }) => reply(ctx, await inGym(ctx.state, (scope) => listDeliveries(scope, params.id, query.limit))),
    }),
    route({
      ...ACCESS, method: 'post', path: '/api/webhooks/:id/test', summary: 'Send a signed test event now and answer with the attempt',
      params: webhookIdParams, status: 202, response: webhookDeliverySchema,
      handler: async (ctx, { params }) => reply(ctx, await inGym(ctx.state, (scope) => testWebhook(scope, params.id, cfg)), { status: 202, message: 'ok.webhook_test_sent' }),
    }),
    route({
      ...ACCESS, method: 'post', path: '/api/webhooks/:id/recover', summary: 'Deliver again, in order, every matching event after seq `since`',
      params: webhookIdParams, body: webhookRecoverBody, status: 202, response: webhookRecoverSchema,
      handler: async (ctx, { params, body }) => reply(ctx, await inGym(ctx.state, (scope) => recoverWebhook(scope, params.id, body.since)), { status: 202, message: 'ok.webhook_recovering' }),
    }),
  ];
}
