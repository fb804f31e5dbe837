/**
 * Background work of the occupancy domain, run once a minute (backend/src/jobs.ts) by one process of
 * the cluster at a time (an advisory lock): visits left open longer than
 * VISIT_MAX_MINUTES are closed (source auto_expired, with an occupancy event), workouts abandoned as
 * long are marked so, and spent idempotency keys are deleted. Each close is a conditional update, so
 * a visit is closed (and counted) once even if two passes met; a gym that fails is retried next pass
 * and does not hold up the others.
 */
import type { AppDeps } from '../../deps.js';
import { IDEMPOTENCY_TTL_HOURS } from '../../http/idempotency.js';
import { IdempotencyKey } from '../../http/idempotency-key.model.js';
import { inEveryGym } from '../tenants/every-gym.js';
import { WorkoutSession } from '../workouts/workout-session.model.js';
import { recordOccupancy, VISIT_COLUMNS } from './occupancy.js';
import { Visit } from './visit.model.js';

export interface ExpiryResult {
  visits: number;
  workouts: number;
  /** Gyms whose pass failed (retried next time). */
  failed: number;
  /** Another process of the cluster was running the pass. */
  skipped?: true;
}

/** pg advisory lock key of the pass ("gymflow expiry" in ASCII, folded into a bigint). */
const EXPIRY_LOCK = 0x67796d666c6f7765n;

/** Closes the stale visits of every tenant; returns how many it closed. */
export async function expireStaleVisits(deps: Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>, now: Date = new Date()): Promise<ExpiryResult> {
  const result = await deps.db.exclusively(EXPIRY_LOCK, () => expireAll(deps, now));
  return result ?? { visits: 0, workouts: 0, failed: 0, skipped: true };
}

async function expireAll(deps: Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>, now: Date): Promise<ExpiryResult> {
  const cutoff = new Date(now.getTime() - deps.config.visitMaxMinutes * 60_000);
  const { results, failed } = await inEveryGym(deps, 'visit expiry', async (scope) => {
    const closed = await scope.query(Visit).whereNull('checked_out_at').where('checked_in_at', '<', cutoff)
      .patch({ checked_out_at: Visit.fn.now(), source: 'auto_expired' })
      .returning(VISIT_COLUMNS);
    const abandoned = await scope.query(WorkoutSession).where({ status: 'active' }).where('start_time', '<', cutoff)
      .patch({ status: 'abandoned', end_time: WorkoutSession.fn.now() });
    await scope.query(IdempotencyKey).where('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3600_000)).delete();
    await recordOccupancy(scope, closed.map((v) => v.gym_area_id));
    return { visits: closed.length, workouts: abandoned };
  });
  return {
    visits: results.reduce((n, r) => n + r.visits, 0),
    workouts: results.reduce((n, r) => n + r.workouts, 0),
    failed,
  };
}
