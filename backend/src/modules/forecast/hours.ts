/**
 * Hours of a local day and how many people an area held over each: the measuring side of the busy-hours
 * forecast, pure so the job and the backtest count the same way.
 */
import { DateTime } from 'luxon';

export interface LocalHour {
  /** Local clock label, "HH:00" (a fall-back day has one label twice). */
  label: string;
  /** Local hour 0-23, the key into the weekly profile. */
  hour: number;
  start: number;
  end: number;
}

/** The real hours of a local date in `zone`: 23 on a spring-forward day, 25 on a fall-back day. */
export function hoursOfDay(date: string, zone: string): LocalHour[] {
  const first = DateTime.fromISO(date, { zone }).startOf('day');
  const next = first.plus({ days: 1 }).toMillis();
  const hours: LocalHour[] = [];
  // Step in real time from the first instant of the day; the label is what the wall clock says.
  for (let start = first.toMillis(); start < next; start += 3_600_000) {
    const local = DateTime.fromMillis(start, { zone });
    hours.push({ label: local.toFormat('HH:00'), hour: local.hour, start, end: Math.min(start + 3_600_000, next) });
  }
  return hours;
}

export interface VisitSpan {
  area_id: string;
  from: number;
  /** Null while the person is still inside. */
  to: number | null;
}

/**
 * Average people present in each area over each of `hours` (contiguous, ascending): the minutes each
 * visit overlaps an hour, over the hour's length. A visit still open counts until `now`.
 */
export function presenceByHour(visits: Iterable<VisitSpan>, hours: ReadonlyArray<{ start: number; end: number }>, now: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!hours.length) return out;
  const first = hours[0]!.start;
  for (const v of visits) {
    const to = v.to ?? now;
    if (to <= first || v.from >= hours.at(-1)!.end) continue;
    let row = out.get(v.area_id);
    if (!row) out.set(v.area_id, (row = new Array<number>(hours.length).fill(0)));
    for (let i = indexAt(hours, Math.max(v.from, first)); i < hours.length && hours[i]!.start < to; i++) {
      const h = hours[i]!;
      const overlap = Math.min(to, h.end) - Math.max(v.from, h.start);
      if (overlap > 0) row[i]! += overlap / (h.end - h.start);
    }
  }
  return out;
}

/** The index of the hour holding instant `t` (binary search; hours are contiguous). */
function indexAt(hours: ReadonlyArray<{ start: number; end: number }>, t: number): number {
  let lo = 0;
  let hi = hours.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (hours[mid]!.start <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
