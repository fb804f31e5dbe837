/** Liveness and readiness, for the orchestrator and nginx. */
import { z } from 'zod';

export const livenessSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  database: z.literal('ok'),
  redis: z.enum(['ok', 'not_configured']),
  migrations: z.literal('current'),
});
