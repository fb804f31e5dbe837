/**
 * Measures the hours that have ended: how many people each area held over each completed local hour,
 * into area_hours. Run once a minute by one process of the cluster at a time (an advisory lock), each
 * gym in its own scope (row-level security: a gym's hours are computed from its own visits only), and
 * incremental: a pass starts after the gym's last measured hour, so a forecast never reads visits.
 */
import { DateTime } from 'luxon';
import type { AppDeps } from '../../deps.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { addDays } from '../slots/slot-grid.js';
import { tenantCalendar } from '../slots/tenant-clock.js';
import { inEveryGym } from '../tenants/every-gym.js';
import { Visit } from '../visits/visit.model.js';
import { AreaHour } from './area-hour.model.js';
import { hoursOfDay, presenceByHour, type LocalHour } from './hours.js';
import { WEEKS } from './profile.js';

/** pg advisory lock key of the pass ("gymflow hours" in ASCII, folded into a bigint). */
const HOURS_LOCK = 0x67796d686f757273n;
/** At most this many days are measured per gym and pass, so a first pass over a long history is split. */
const DAYS_PER_PASS = 14;

export interface MeasureResult {
  hours: number;
  failed: number;
  skipped?: true;
}

type Deps = Pick<AppDeps, 'db' | 'uow' | 'log'>;

export async function measureAreaHours(deps: Deps, now: Date = new Date()): Promise<MeasureResult> {
  const result = await deps.db.exclusively(HOURS_LOCK, () => measureAll(deps, now));
  return result ?? { hours: 0, failed: 0, skipped: true };
}

async function measureAll(deps: Deps, now: Date): Promise<MeasureResult> {
  const { results, failed } = await inEveryGym(deps, 'measuring area hours', (scope) => measureGym(scope, now));
  return { hours: results.reduce((n, h) => n + h, 0), failed };
}

/** Measures the gym's completed hours after its last measured one; returns how many hour rows it wrote. */
export async function measureGym(scope: TenantScope, now: Date): Promise<number> {
  const { zone } = await tenantCalendar(scope.trx, scope.tenantId);
  // Only areas people used within the profile's weeks: an area nobody visits has no busy hours to
  // measure, and a gym's many unused areas would otherwise cost a row per hour each.
  const used = await scope.query(Visit).distinct('gym_area_id').where('checked_in_at', '>=', new Date(now.getTime() - WEEKS * 7 * 86_400_000));
  const areas = used.map((v) => ({ id: v.gym_area_id }));
  if (!areas.length) return 0;
  const latest = await scope.query(AreaHour).max('hour_start as last').first() as unknown as { last: Date | string | null } | undefined;
  let since: number;
  // After the last measured hour (hours are an hour of real time long, whatever the clock says).
  if (latest?.last) since = new Date(latest.last).getTime() + 3_600_000;
  else {
    // First pass: from the first visit, at most WEEKS weeks back (older weeks carry no weight).
    const first = await scope.query(Visit).min('checked_in_at as first').first() as unknown as { first: Date | string | null } | undefined;
    if (!first?.first) return 0;
    since = Math.max(new Date(first.first).getTime(), now.getTime() - WEEKS * 7 * 86_400_000);
  }
  const hours = completedHours(since, now.getTime(), zone);
  if (!hours.length) return 0;

  const from = hours[0]!.start;
  const to = hours.at(-1)!.end;
  const visits = await scope.query(Visit).select('gym_area_id', 'checked_in_at', 'checked_out_at')
    .where('checked_in_at', '<', new Date(to))
    .where((q) => {
      q.whereNull('checked_out_at').orWhere('checked_out_at', '>', new Date(from));
    });
  const presence = presenceByHour(
    visits.map((v) => ({ area_id: v.gym_area_id, from: v.checked_in_at.getTime(), to: v.checked_out_at?.getTime() ?? null })),
    hours,
    now.getTime(),
  );
  const rows = areas.flatMap((a) => hours.map((h, i) => ({
    gym_area_id: a.id,
    hour_start: new Date(h.start),
    local_date: h.date,
    local_hour: h.hour,
    // Hundredths of a person are plenty and keep the rows small.
    people: Math.round((presence.get(a.id)?.[i] ?? 0) * 100) / 100,
  })));
  await scope.query(AreaHour).insert(rows).onConflict(['tenant_id', 'gym_area_id', 'hour_start']).ignore();
  return rows.length;
}

/** The local hours that end after `since` and by `now`, over at most DAYS_PER_PASS local days. */
function completedHours(since: number, now: number, zone: string): Array<LocalHour & { date: string }> {
  const out: Array<LocalHour & { date: string }> = [];
  let date = DateTime.fromMillis(since, { zone }).toISODate()!;
  for (let d = 0; d < DAYS_PER_PASS && DateTime.fromISO(date, { zone }).toMillis() < now; d++, date = addDays(date, 1)) {
    for (const h of hoursOfDay(date, zone)) if (h.end > since && h.end <= now) out.push({ ...h, date });
  }
  return out;
}
