/**
 * Keeps the delivery log bounded: attempts older than WEBHOOK_LOG_DAYS are deleted, once per cluster
 * (an advisory lock), gym by gym. The cursor on the endpoint, not the log, is what delivery relies on.
 */
import type { AppDeps } from '../../deps.js';
import { inEveryGym } from '../tenants/every-gym.js';
import { WebhookDeliveryAttempt } from './webhook-delivery.model.js';

/** pg advisory lock key of the pass ("gymflow hooks" in ASCII, folded into a bigint). */
const LOG_LOCK = 0x67796d686f6f6b73n;

export async function pruneWebhookLog(deps: Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>, now = new Date()): Promise<{ deleted: number; failed: number; skipped?: true }> {
  const cutoff = new Date(now.getTime() - deps.config.webhooks.logDays * 86_400_000);
  const result = await deps.db.exclusively(LOG_LOCK, async () => {
    const { results, failed } = await inEveryGym(deps, 'webhook log', async (scope): Promise<number> =>
      await scope.query(WebhookDeliveryAttempt).where('attempted_at', '<', cutoff).delete());
    return { deleted: results.reduce((n, r) => n + r, 0), failed };
  });
  return result ?? { deleted: 0, failed: 0, skipped: true };
}
