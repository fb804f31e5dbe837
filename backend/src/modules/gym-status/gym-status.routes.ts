import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';
import { gymStatusSchema, historyQuery, historySchema } from '../../contracts/gym-status.js';
import { occupancyHistory } from './occupancy-history.service.js';
import { gymStatus } from './gym-status.service.js';

export function gymStatusRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/gym-status',
      summary: 'Live occupancy of every area, with totals',
      tag: 'occupancy',
      roles: ['member', 'trainer', 'owner', 'display'], scope: 'occupancy:read',
      response: gymStatusSchema,
      handler: async (ctx) => reply(ctx, await gymStatus(deps, tenantAuth(ctx.state).tenantId)),
    }),
    route({
      method: 'get',
      path: '/api/occupancy/history',
      summary: "People in each area every few minutes of a local day, for charts (counts only)",
      tag: 'occupancy',
      roles: ['member', 'trainer', 'owner', 'display'], scope: 'occupancy:read',
      query: historyQuery,
      response: historySchema,
      handler: async (ctx, { query }) => reply(ctx, await occupancyHistory(deps, tenantAuth(ctx.state).tenantId, query)),
    }),
  ];
}
