import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';
import { gymStatusSchema } from './gym-status.schema.js';
import { gymStatus } from './gym-status.service.js';

export function gymStatusRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/api/gym-status',
      summary: 'Live occupancy of every area, with totals',
      tag: 'occupancy',
      roles: ['member', 'trainer', 'owner', 'display'],
      response: gymStatusSchema,
      handler: async (ctx) => reply(ctx, await gymStatus(deps, tenantAuth(ctx.state).tenantId)),
    }),
  ];
}
