import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route, sameForEveryField } from '../../http/route.js';
import { areaCreatedSchema, areaIdParams, areaSchema, areasQuery, createAreaBody, updateAreaBody } from '../../contracts/areas.js';
import { createArea, deleteArea, getArea, listAreas, updateArea } from './areas.service.js';

const READERS = [...TENANT_USERS, 'display'] as const;

export function areasRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get', path: '/api/areas', summary: 'The areas of the gym, by name, paged', tag: 'areas',
      roles: READERS, scope: 'occupancy:read', query: areasQuery, response: z.array(areaSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listAreas(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'get', path: '/api/areas/:id', summary: 'One area', tag: 'areas',
      roles: READERS, scope: 'occupancy:read', params: areaIdParams, response: areaSchema,
      handler: async (ctx, { params }) => reply(ctx, await getArea(deps, tenantAuth(ctx.state), params.id)),
    }),
    route({
      method: 'post', path: '/api/areas', summary: 'Create an area (owner; within the plan: 403 plan_limit_reached)', tag: 'areas',
      roles: ['owner'], body: createAreaBody, response: areaCreatedSchema, status: 201, idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201 }, (uow) => createArea({ uow }, auth, body));
      },
    }),
    route({
      method: 'patch', path: '/api/areas/:id', summary: 'Change an area (owner; capacity never below the people inside)', tag: 'areas',
      roles: ['owner'], params: areaIdParams, body: updateAreaBody, response: areaSchema, fields: sameForEveryField(updateAreaBody, ['owner']),
      handler: async (ctx, { params, body }) => reply(ctx, await updateArea(deps, tenantAuth(ctx.state), params.id, body), { message: 'ok.saved' }),
    }),
    route({
      method: 'delete', path: '/api/areas/:id', summary: 'Delete an area without people inside or bookings ahead (owner)', tag: 'areas',
      roles: ['owner'], params: areaIdParams, response: areaSchema,
      handler: async (ctx, { params }) => reply(ctx, await deleteArea(deps, tenantAuth(ctx.state), params.id), { message: 'ok.deleted' }),
    }),
  ];
}
