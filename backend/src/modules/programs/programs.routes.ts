import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { STAFF, TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route, sameForEveryField } from '../../http/route.js';
import { createProgramBody, programCreatedSchema, programIdParams, programSchema, programsQuery, updateProgramBody } from '../../contracts/programs.js';
import { createProgram, deleteProgram, getProgram, listPrograms, updateProgram } from './programs.service.js';

export function programsRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get', path: '/api/programs', summary: 'Workout programs, by name, paged', tag: 'programs',
      roles: TENANT_USERS, query: programsQuery, response: z.array(programSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listPrograms(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'get', path: '/api/programs/:id', summary: 'One workout program', tag: 'programs',
      roles: TENANT_USERS, params: programIdParams, response: programSchema,
      handler: async (ctx, { params }) => reply(ctx, await getProgram(deps, tenantAuth(ctx.state), params.id)),
    }),
    route({
      method: 'post', path: '/api/programs', summary: 'Create a workout program (staff)', tag: 'programs',
      roles: STAFF, body: createProgramBody, response: programCreatedSchema, status: 201, idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201 }, (uow) => createProgram({ uow }, auth, body));
      },
    }),
    route({
      method: 'patch', path: '/api/programs/:id', summary: 'Change a workout program (staff)', tag: 'programs',
      roles: STAFF, params: programIdParams, body: updateProgramBody, response: programSchema, fields: sameForEveryField(updateProgramBody, STAFF),
      handler: async (ctx, { params, body }) => reply(ctx, await updateProgram(deps, tenantAuth(ctx.state), params.id, body), { message: 'ok.saved' }),
    }),
    route({
      method: 'delete', path: '/api/programs/:id', summary: 'Delete a workout program nobody has trained with (staff)', tag: 'programs',
      roles: STAFF, params: programIdParams, response: programSchema,
      handler: async (ctx, { params }) => reply(ctx, await deleteProgram(deps, tenantAuth(ctx.state), params.id), { message: 'ok.deleted' }),
    }),
  ];
}
