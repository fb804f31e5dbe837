import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { STAFF, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route } from '../../http/route.js';
import { checkInBody, checkOutBody, visitCreatedSchema, visitIdParams, visitLogEntrySchema, visitSchema, visitsQuery } from '../../contracts/visits.js';
import { checkOutUser, checkOutVisit, listVisits, staffCheckIn } from './visits.service.js';

export function visitsRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/visits',
      summary: 'Who came and went: the visit log, filtered and paged (staff)',
      tag: 'occupancy',
      roles: STAFF, scope: 'members:read',
      query: visitsQuery,
      response: z.array(visitLogEntrySchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listVisits(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'post',
      path: '/api/visits',
      summary: 'Check a member into an area, at the desk or a kiosk (409 area_full, already_checked_in)',
      tag: 'occupancy',
      roles: STAFF,
      body: checkInBody,
      response: visitCreatedSchema,
      status: 201,
      idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201, message: 'ok.checked_in' }, (uow) => staffCheckIn({ uow }, auth, body));
      },
    }),
    route({
      method: 'post',
      path: '/api/visits/check-out',
      summary: "Check a member out of wherever they are (409 not_checked_in)",
      tag: 'occupancy',
      roles: STAFF,
      body: checkOutBody,
      response: visitSchema,
      handler: async (ctx, { body }) => reply(ctx, await checkOutUser(deps, tenantAuth(ctx.state), body.user_id), { message: 'ok.checked_out' }),
    }),
    route({
      method: 'post',
      path: '/api/visits/:id/check-out',
      summary: 'Close one open visit (409 not_checked_in when already closed)',
      tag: 'occupancy',
      roles: STAFF,
      params: visitIdParams,
      response: visitSchema,
      handler: async (ctx, { params }) => reply(ctx, await checkOutVisit(deps, tenantAuth(ctx.state), params.id), { message: 'ok.checked_out' }),
    }),
  ];
}
