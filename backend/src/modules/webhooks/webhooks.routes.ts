/** The owner's webhook endpoints, their delivery log, test sends and recovery. */
import { z } from 'zod';
import {
  webhookCreateBody, webhookDeliveriesQuery, webhookDeliverySchema, webhookEndpointSchema, webhookIdParams,
  webhookRecoverBody, webhookRecoverSchema, webhookUpdateBody, webhookWithSecretSchema,
} from '../../contracts/webhooks.js';
import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyPage } from '../../http/paging.js';
import { route, sameForEveryField } from '../../http/route.js';
import {
  checkDestination, createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, recoverSince, rotateSecret,
  sendTest, updateWebhook,
} from './webhooks.service.js';

const OWNER = ['owner'] as const;
const tag = 'webhooks';

export function webhookRoutes(deps: AppDeps) {
  const config = deps.config.webhooks;
  return [
    route({
      method: 'get', path: '/api/webhooks', summary: "The gym's webhook endpoints (never their secrets)", tag, roles: OWNER, scope: 'webhooks:manage',
      response: z.array(webhookEndpointSchema),
      handler: async (ctx) => reply(ctx, await deps.uow.inTenant(tenantAuth(ctx.state).tenantId, listWebhooks)),
    }),
    route({
      method: 'post', path: '/api/webhooks', tag, roles: OWNER, scope: 'webhooks:manage', body: webhookCreateBody, status: 201, response: webhookWithSecretSchema,
      // No Idempotency-Key: replaying the answer would mean keeping the secret in a second place.
      summary: 'Add an endpoint; it receives the events from now on. The signing `secret` is shown only in this answer',
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await checkDestination(body.url, config);
        const created = await deps.uow.inTenant(auth.tenantId, (scope) => createWebhook(scope, body, auth));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, created, { status: 201 });
      },
    }),
    route({
      method: 'get', path: '/api/webhooks/:id', summary: 'One endpoint, with its state (cursor, failures, why disabled)', tag, roles: OWNER, scope: 'webhooks:manage',
      params: webhookIdParams, response: webhookEndpointSchema,
      handler: async (ctx, { params }) => reply(ctx, await deps.uow.inTenant(tenantAuth(ctx.state).tenantId, (scope) => getWebhook(scope, params.id))),
    }),
    route({
      method: 'patch', path: '/api/webhooks/:id', tag, roles: OWNER, scope: 'webhooks:manage', params: webhookIdParams, body: webhookUpdateBody,
      fields: sameForEveryField(webhookUpdateBody, OWNER), response: webhookEndpointSchema,
      summary: 'Change an endpoint; `enabled: false` stops its deliveries at once, `true` resumes them from its cursor',
      handler: async (ctx, { params, body }) => {
        const auth = tenantAuth(ctx.state);
        if (body.url !== undefined) await checkDestination(body.url, config);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, (scope) => updateWebhook(scope, params.id, body, auth)));
      },
    }),
    route({
      method: 'delete', path: '/api/webhooks/:id', summary: 'Remove an endpoint and its delivery log', tag, roles: OWNER, scope: 'webhooks:manage',
      params: webhookIdParams, response: webhookEndpointSchema,
      handler: async (ctx, { params }) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, (scope) => deleteWebhook(scope, params.id, auth)));
      },
    }),
    route({
      method: 'post', path: '/api/webhooks/:id/rotate-secret', tag, roles: OWNER, scope: 'webhooks:manage', params: webhookIdParams, response: webhookWithSecretSchema,
      summary: 'A new signing secret (shown only in this answer); the old one keeps signing beside it for 24 h',
      handler: async (ctx, { params }) => {
        const auth = tenantAuth(ctx.state);
        const rotated = await deps.uow.inTenant(auth.tenantId, (scope) => rotateSecret(scope, params.id, config, auth));
        ctx.set('Cache-Control', 'no-store');
        reply(ctx, rotated);
      },
    }),
    route({
      method: 'get', path: '/api/webhooks/:id/deliveries', tag, roles: OWNER, scope: 'webhooks:manage', params: webhookIdParams, query: webhookDeliveriesQuery,
      response: z.array(webhookDeliverySchema), summary: "The endpoint's delivery attempts, newest first, paged",
      handler: async (ctx, { params, query }) => replyPage(ctx, await listDeliveries(deps.uow, tenantAuth(ctx.state).tenantId, params.id, query)),
    }),
    route({
      method: 'post', path: '/api/webhooks/:id/test', tag, roles: OWNER, scope: 'webhooks:manage', params: webhookIdParams, status: 202, response: webhookDeliverySchema,
      summary: 'Send a `webhook:test` event now (outside the log and its order); answers the attempt',
      handler: async (ctx, { params }) => reply(ctx, await sendTest(deps.uow, config, tenantAuth(ctx.state).tenantId, params.id), { status: 202 }),
    }),
    route({
      method: 'post', path: '/api/webhooks/:id/recover', tag, roles: OWNER, scope: 'webhooks:manage', params: webhookIdParams, body: webhookRecoverBody, status: 202,
      response: webhookRecoverSchema, summary: 'Deliver again every matching event after seq `since`, in order, with their original webhook-ids',
      handler: async (ctx, { params, body }) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await deps.uow.inTenant(auth.tenantId, (scope) => recoverSince(scope, params.id, body.since, auth)), { status: 202, message: 'ok.webhook_recovery_started' });
      },
    }),
  ];
}
