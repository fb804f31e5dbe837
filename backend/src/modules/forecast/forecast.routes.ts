import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';
import { areaIdParams } from '../../contracts/areas.js';
import { areaForecastSchema, forecastQuery } from '../../contracts/forecast.js';
import { forecastFor } from './forecast.service.js';

/** Counts only, like the live status: members, staff and wall displays read them. */
const READERS = [...TENANT_USERS, 'display'] as const;

export function forecastRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get', path: '/api/forecast', summary: 'Busy hours of every area on a local day: expected people per hour with a band', tag: 'occupancy',
      roles: READERS, scope: 'occupancy:read', query: forecastQuery, response: z.array(areaForecastSchema),
      handler: async (ctx, { query }) => reply(ctx, await forecastFor(deps, tenantAuth(ctx.state).tenantId, { date: query.date })),
    }),
    route({
      method: 'get', path: '/api/areas/:id/forecast', summary: 'Busy hours of one area on a local day', tag: 'occupancy',
      roles: READERS, scope: 'occupancy:read', params: areaIdParams, query: forecastQuery, response: areaForecastSchema,
      handler: async (ctx, { params, query }) => {
        const [forecast] = await forecastFor(deps, tenantAuth(ctx.state).tenantId, { date: query.date, areaId: params.id });
        reply(ctx, forecast);
      },
    }),
  ];
}
