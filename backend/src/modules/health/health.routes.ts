import { livenessSchema, readinessSchema } from '../../contracts/health.js';
import type { AppDeps } from '../../deps.js';
import { serviceUnavailable } from '../../http/errors.js';
import { reply } from '../../http/envelope.js';
import { route } from '../../http/route.js';

const PROBE_TIMEOUT_MS = 1000;
const withTimeout = <T>(work: Promise<T>) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref())]);

/**
 * Liveness (the process answers: restart it if not) and readiness (send it traffic: its database and
 * Redis answer, its schema is the code's, and it is not draining towards a stop).
 */
export function healthRoutes({ db, redis, lifecycle }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tag: 'health',
      roles: 'public',
      response: livenessSchema,
      handler: async (ctx) => reply(ctx, { status: 'ok' as const }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database and Redis answer, migrations are current, not draining (503 with the checks otherwise)',
      tag: 'health',
      roles: 'public',
      response: readinessSchema,
      handler: async (ctx) => {
        const checks: Record<string, string> = { database: 'down', redis: redis ? 'down' : 'not_configured', migrations: 'unknown' };
        try {
          await withTimeout(db.knex.raw('select 1'));
          checks.database = 'ok';
          checks.migrations = (await withTimeout(db.pendingMigrations())) === 0 ? 'current' : 'pending';
        } catch { /* reported below */ }
        if (redis) {
          try {
            await withTimeout(redis.ping());
            checks.redis = 'ok';
          } catch { /* reported below */ }
        }
        if (lifecycle.draining) checks.draining = 'true';
        if (checks.database !== 'ok' || checks.redis === 'down' || checks.migrations !== 'current' || lifecycle.draining) {
          throw serviceUnavailable(checks);
        }
        reply(ctx, checks);
      },
    }),
  ];
}
