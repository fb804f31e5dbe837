import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';
import { slotGridSchema, slotsParams, slotsQuery } from '../../contracts/slots.js';
import { availableSlots } from './slots.service.js';

export function slotsRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/available-slots/:areaId',
      summary: "An area's slot grid for a day (tenant time, DST-correct) with the places left in each slot",
      tag: 'bookings',
      roles: ['member', 'trainer', 'owner', 'display'], scope: 'occupancy:read',
      params: slotsParams,
      query: slotsQuery,
      response: slotGridSchema,
      handler: async (ctx, { params, query }) => {
        const auth = tenantAuth(ctx.state);
        reply(ctx, await availableSlots(deps, auth.tenantId, params.areaId, query.date, auth.userId));
      },
    }),
  ];
}
