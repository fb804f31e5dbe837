/**
 * The waitlist's clock (backend/src/jobs.ts runs it every few seconds, once per cluster by an advisory
 * lock): offers whose hold ran out expire and pass to the next in line, lines of slots that have
 * started close, and any free place a line is waiting for is offered (a change that freed it without
 * offering, such as a deactivated member's cancelled bookings, is caught here). Every state is in the
 * database, so a pass that dies is simply done again by the next one, on any process.
 */
import type { AppDeps } from '../../deps.js';
import { rulesIn } from '../bookings/booking-rules.js';
import { WaitlistEntry } from './waitlist-entry.model.js';
import { offerFreedPlaces, recordOffers, releaseOffer } from './waitlist.offers.js';

export interface HoldsResult {
  expired: number;
  offered: number;
  failed: number;
  skipped?: true;
}

/** pg advisory lock key of the pass ("gymflow waitlist" folded into a bigint). */
const HOLDS_LOCK = 0x67796d776169746cn;

type Deps = Pick<AppDeps, 'db' | 'uow' | 'log'>;
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export async function expireWaitlistHolds(deps: Deps, now: Date = new Date()): Promise<HoldsResult> {
  const result = await deps.db.exclusively(HOLDS_LOCK, () => pass(deps, now));
  return result ?? { expired: 0, offered: 0, failed: 0, skipped: true };
}

async function pass(deps: Deps, now: Date): Promise<HoldsResult> {
  // Only gyms with open entries have work; the function reads across gyms for this job alone.
  const gyms = await deps.uow.inPlatform(async (trx) =>
    (await trx.raw<{ rows: Array<{ id: string }> }>('select waitlist_due_tenants(?) as id', [now])).rows.map((r) => r.id));
  let expired = 0;
  let offered = 0;
  let failed = 0;
  for (const tenantId of gyms) {
    try {
      // One short transaction per change: each holds one slot's lock (or one area's, in start order,
      // as a cancel does), so the pass never holds locks in an order a booking or cancel could cross.
      const { due, areas } = await deps.uow.inTenant(tenantId, async (scope) => {
        const started = await scope.query(WaitlistEntry).where({ status: 'waiting' }).where('starts_at', '<=', now)
          .patch({ status: 'expired', closed_at: now }).returning(['gym_area_id', 'booking_date']);
        recordOffers(scope, [], started.map((e) => ({ area_id: e.gym_area_id, date: e.booking_date })));
        expired += started.length;
        return {
          due: await scope.query(WaitlistEntry).select('id').where({ status: 'offered' }).where('hold_until', '<=', now).orderBy('hold_until'),
          areas: await scope.query(WaitlistEntry).distinct('gym_area_id').where({ status: 'waiting' }).where('starts_at', '>', now),
        };
      });
      for (const entry of due) {
        await deps.uow.inTenant(tenantId, async (scope) => {
          const released = await releaseOffer(scope, await rulesIn(scope), now, entry.id, null, 'expired');
          if (released.entry) expired++;
          offered += released.offers.length;
        });
      }
      for (const { gym_area_id: areaId } of areas) {
        await deps.uow.inTenant(tenantId, async (scope) => {
          offered += (await offerFreedPlaces(scope, await rulesIn(scope), now, { areaId, from: now, to: FAR_FUTURE })).length;
        });
      }
    } catch (err) {
      deps.log.warn({ err, tenantId }, 'waitlist holds failed for a gym; retried next pass');
      failed++;
    }
  }
  return { expired, offered, failed };
}
