/**
 * Busy hours of a gym's areas on a local day: the profile of the same weekday over the last weeks
 * (profile.ts) from the measured hours (forecast.jobs.ts), the day's measured hours where they have
 * ended, and for today a nowcast from the people inside now. Reads at most WEEKS + 1 days of hour
 * rows, never the visits.
 */
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import { Area } from '../areas/area.model.js';
import { addDays, hoursOn, localDate, type OpeningHours } from '../slots/slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { AreaHour } from './area-hour.model.js';
import type { AreaForecast as AreaForecastView, HourForecast as HourForecastView } from '../../contracts/forecast.js';
import { hoursOfDay, type LocalHour } from './hours.js';
import { dayCurve, estimateHour, nowcast, quietestWindow, WEEKS, type DayCurve, type HourEstimate } from './profile.js';

type Deps = { uow: UnitOfWork; clock?: Clock };

export function forecastFor(deps: Deps, tenantId: string, query: { date?: string; areaId?: string }): Promise<AreaForecastView[]> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(tenantId, async (scope) => {
    const calendar = await tenantCalendar(scope.trx, tenantId);
    const today = localDate(now, calendar.zone);
    const date = query.date ?? today;
    const q = scope.query(Area).select('id', 'capacity', 'current_users', 'opening_hours').orderBy([{ column: 'name_en' }, { column: 'id' }]);
    if (query.areaId) q.where({ id: query.areaId });
    const areas = await q;
    if (query.areaId && !areas.length) throw notFound();

    // The same weekday of the weeks before, only days already over (a day far ahead uses the latest ones).
    const past = Array.from({ length: WEEKS + 60 }, (_, k) => addDays(date, -7 * (k + 1))).filter((d) => d < today).slice(0, WEEKS);
    const curves = await dayCurves(scope, [...past, date], query.areaId);
    const closed = await closedDays(scope, past);
    const history = past.filter((d) => !closed.has(d));
    const hours = hoursOfDay(date, calendar.zone);
    const currentIndex = date === today ? hours.findIndex((h) => h.start <= now.getTime() && now.getTime() < h.end) : -1;

    return areas.map((area) => {
      const byDate = curves.get(area.id) ?? new Map<string, DayCurve>();
      const days = history.map((d) => byDate.get(d) ?? []);
      const open = openFlags(hours, area.opening_hours ?? calendar.openingHours, date);
      let estimates = hours.map((h, i) => (open[i] ? estimateHour(days, h.hour, area.capacity) : { expected: 0, low: 0, high: 0 }));
      const empty = !days.some((d) => d.some((v) => v !== undefined));
      if (empty) return { area_id: area.id, date, timezone: calendar.zone, hours: [], quietest: [] };
      if (currentIndex >= 0) estimates = nowcast(estimates, currentIndex, area.current_users, area.capacity);
      const observed = byDate.get(date) ?? [];
      const views = hours.map((h, i) => hourView(h, estimates[i] ?? null, open[i]!, h.end <= now.getTime() ? observed[h.hour] : undefined));
      const window = quietestWindow(views.map((v) => v.expected), open, Math.max(0, currentIndex));
      const quietest = window ? [{ start: hours[window[0]]!.label, end: endLabel(hours, window[1]) }] : [];
      return { area_id: area.id, date, timezone: calendar.zone, hours: views, quietest };
    });
  });
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function hourView(h: LocalHour, e: HourEstimate | null, open: boolean, observed: number | undefined): HourForecastView {
  return {
    hour: h.label,
    starts_at: new Date(h.start).toISOString(),
    expected: round1(e?.expected ?? 0),
    low: round1(e?.low ?? 0),
    high: round1(e?.high ?? 0),
    open,
    observed: observed === undefined ? null : round1(observed),
  };
}

/** The label of the instant a window ends: the next hour's label, or 24:00 at the end of the day. */
const endLabel = (hours: LocalHour[], end: number) => hours[end]?.label ?? '24:00';

/** Whether each hour overlaps the opening hours of that day. */
function openFlags(hours: LocalHour[], opening: OpeningHours | null, date: string): boolean[] {
  const day = hoursOn(opening, date);
  if (!day) return hours.map(() => false);
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
  const open = minutes(day.open);
  const close = minutes(day.close);
  return hours.map((h) => h.hour * 60 < close && h.hour * 60 + 60 > open);
}

/** Each area's measured people by local hour, per date (a fall-back day's repeated hour averaged). */
async function dayCurves(scope: TenantScope, dates: string[], areaId?: string): Promise<Map<string, Map<string, DayCurve>>> {
  const q = scope.query(AreaHour).select('gym_area_id', 'local_date', 'local_hour', 'people').whereIn('local_date', dates);
  if (areaId) q.where({ gym_area_id: areaId });
  const measured = new Map<string, Map<string, Array<{ hour: number; people: number }>>>();
  for (const r of await q) {
    const byDate = measured.get(r.gym_area_id) ?? new Map<string, Array<{ hour: number; people: number }>>();
    measured.set(r.gym_area_id, byDate);
    const day = byDate.get(r.local_date) ?? [];
    byDate.set(r.local_date, day);
    day.push({ hour: r.local_hour, people: r.people });
  }
  return new Map([...measured].map(([area, byDate]) => [area, new Map([...byDate].map(([d, day]) => [d, dayCurve(day)]))]));
}

/** Days on which nobody came to any area at all: closures and holidays, not quiet days. */
async function closedDays(scope: TenantScope, dates: string[]): Promise<Set<string>> {
  if (!dates.length) return new Set();
  const rows = (await scope.query(AreaHour).select('local_date').sum('people as people').whereIn('local_date', dates)
    .groupBy('local_date')) as unknown as Array<{ local_date: string; people: number | string }>;
  return new Set(rows.filter((r) => Number(r.people) === 0).map((r) => r.local_date));
}
