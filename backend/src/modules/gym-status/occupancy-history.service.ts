/**
 * Occupancy over a day, for charts: how many people were in each area at every `interval` minutes of
 * the gym's local day (up to now), computed from the visits. Counts only, so displays may read it.
 */
import { DateTime } from 'luxon';
import type { HistoryQuery, OccupancyHistory } from '../../contracts/gym-status.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { Area } from '../areas/area.model.js';
import { localDate } from '../slots/slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';

export async function occupancyHistory(
  deps: { uow: UnitOfWork; clock?: Clock },
  tenantId: string,
  query: HistoryQuery,
): Promise<OccupancyHistory> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(tenantId, async (scope) => {
    const { trx } = scope;
    const { zone } = await tenantCalendar(trx, tenantId);
    const date = query.date ?? localDate(now, zone);
    const start = DateTime.fromISO(date, { zone }).startOf('day');
    const dayEnd = start.plus({ days: 1 });
    const end = DateTime.fromJSDate(now) < dayEnd ? DateTime.fromJSDate(now) : dayEnd.minus({ milliseconds: 1 });
    const q = scope.query(Area).select('id', 'capacity').orderBy([{ column: 'name_en' }, { column: 'id' }]);
    if (query.area_id) q.where({ id: query.area_id });
    const areas = await q;
    const result: OccupancyHistory = { date, timezone: zone, interval_minutes: query.interval, areas: [] };
    if (end < start || !areas.length) {
      result.areas = areas.map((a) => ({ area_id: a.id, capacity: a.capacity, points: [] }));
      return result;
    }
    // One aggregate over the day's buckets, in SQL: a report, not rows to model.
    const { rows } = await trx.raw<{ rows: Array<{ area_id: string; t: Date; n: number }> }>(
      `with buckets as (select generate_series(?::timestamptz, ?::timestamptz, make_interval(mins => ?::int)) as t)
       select a.id as area_id, b.t, count(v.id)::int as n
         from gym_areas a cross join buckets b
         left join visits v on v.tenant_id = a.tenant_id and v.gym_area_id = a.id and v.checked_in_at <= b.t and (v.checked_out_at is null or v.checked_out_at > b.t)
        where a.tenant_id = ? and a.id = any(?::uuid[])
        group by a.id, b.t order by a.id, b.t`,
      [start.toJSDate(), end.toJSDate(), query.interval, tenantId, areas.map((a) => a.id)],
    );
    const byArea = new Map<string, OccupancyHistory['areas'][number]['points']>();
    for (const r of rows) {
      const t = DateTime.fromJSDate(new Date(r.t)).setZone(zone);
      const list = byArea.get(r.area_id) ?? [];
      list.push({ at: t.toUTC().toISO()!, time: t.toFormat('HH:mm'), current_users: r.n });
      byArea.set(r.area_id, list);
    }
    result.areas = areas.map((a) => ({ area_id: a.id, capacity: a.capacity, points: byArea.get(a.id) ?? [] }));
    return result;
  });
}
