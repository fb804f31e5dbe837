import type { AreaStatus, GymStatus } from '../../contracts/gym-status.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { Area } from '../areas/area.model.js';

export type { AreaStatus, GymStatus };

export const occupancyPct = (current: number, capacity: number): number =>
  capacity > 0 ? Math.round((current * 1000) / capacity) / 10 : 0;

/** Live occupancy of every area: counts only, never who is where (displays read this too). */
export async function gymStatus(deps: { uow: UnitOfWork }, tenantId: string): Promise<GymStatus> {
  const rows = await deps.uow.inTenant(tenantId, async (scope) =>
    await scope.query(Area).select('id', 'name_en', 'name_el', 'capacity', 'current_users', 'is_bookable').orderBy([{ column: 'name_en' }, { column: 'id' }]),
  );
  const areas: AreaStatus[] = rows.map((a) => ({
    id: a.id, name_en: a.name_en, name_el: a.name_el, capacity: a.capacity, current_users: a.current_users, is_bookable: a.is_bookable,
    occupancy_pct: occupancyPct(a.current_users, a.capacity),
  }));
  const current = areas.reduce((n, a) => n + a.current_users, 0);
  const capacity = areas.reduce((n, a) => n + a.capacity, 0);
  return { areas, totals: { current_users: current, capacity, occupancy_pct: occupancyPct(current, capacity) } };
}
