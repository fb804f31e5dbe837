import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { serviceUnavailable } from '../../http/errors.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';

/** Liveness (the process answers) and readiness (its database and Redis answer). */
export function healthRoutes({ db, redis }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tag: 'health',
      roles: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: async (ctx) => reply(ctx, { status: 'ok' as const }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database (and Redis, when configured) answer',
      tag: 'health',
      roles: 'public',
      response: z.object({ database: z.literal('ok'), redis: z.enum(['ok', 'not_configured']) }),
      handler: async (ctx) => {
        const checks = { database: 'down', redis: redis ? 'down' : 'not_configured' } as Record<string, string>;
        try {
          await db.knex.raw('select 1');
          checks.database = 'ok';
        } catch { /* reported below */ }
        if (redis) {
          try {
            await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
            checks.redis = 'ok';
          } catch { /* reported below */ }
        }
        if (checks.database !== 'ok' || checks.redis === 'down') throw serviceUnavailable(checks);
        reply(ctx, checks);
      },
    }),
  ];
}
