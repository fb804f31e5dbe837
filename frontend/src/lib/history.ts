/**
 * Today's occupancy from GET /api/occupancy/history: counts only, so staff and wall displays read the
 * same thing. Per area and in total, with the local midnight of the gym's day so the chart can span
 * the opening hours; the live samples continue the curves from their last point.
 */
import type { OpeningHours } from '$contracts/common.js';
import type { OccupancyHistory } from '$contracts/gym-status.js';
import { api } from './api.js';
import type { Sample } from './live.svelte.js';

export interface DayHistory {
  /** The gym's local midnight of the day, seconds since epoch. */
  midnight: number | null;
  totals: Sample[];
  /** Per area: [seconds, people] points. */
  areas: Map<string, Array<[number, number]>>;
}

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

export async function occupancyDay(intervalMinutes = 10): Promise<DayHistory> {
  const history = await api.get<OccupancyHistory>('/api/occupancy/history', { query: { interval: intervalMinutes } });
  const totals = new Map<number, Sample>();
  const areas = new Map<string, Array<[number, number]>>();
  let midnight: number | null = null;
  for (const area of history.areas) {
    const points: Array<[number, number]> = [];
    for (const p of area.points) {
      const t = seconds(p.at);
      if (midnight === null) {
        const [h, m] = p.time.split(':').map(Number);
        midnight = t - ((h ?? 0) * 3600 + (m ?? 0) * 60);
      }
      points.push([t, p.current_users]);
      const s = totals.get(t) ?? { t, total: 0, capacity: 0 };
      s.total += p.current_users;
      s.capacity += area.capacity;
      totals.set(t, s);
    }
    areas.set(area.area_id, points);
  }
  return { midnight, totals: [...totals.values()].sort((a, b) => a.t - b.t), areas };
}

/** The day so far (totals only), kept for callers that draw one line. */
export async function occupancyToday(intervalMinutes = 10): Promise<Sample[]> {
  return (await occupancyDay(intervalMinutes)).totals;
}

/** The day so far followed by the live samples that came after it. */
export function withLive(history: Sample[], live: Sample[]): Sample[] {
  const last = history[history.length - 1]?.t ?? 0;
  return [...history, ...live.filter((s) => s.t > last)];
}

// In the order of Date#getUTCDay.
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Today's opening hours as [open, close] in seconds since epoch, from the gym's settings; null when closed or unknown. */
export function openingWindow(midnight: number | null, hours: OpeningHours | null | undefined): [number, number] | null {
  if (midnight === null || !hours) return null;
  // Noon of the local day tells the weekday without a time-zone library (midnight itself may sit on a DST edge).
  const day = WEEKDAYS[new Date((midnight + 12 * 3600) * 1000 + 0).getUTCDay()]!;
  const today = hours[day];
  if (!today) return null;
  const at = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return midnight + (h ?? 0) * 3600 + (m ?? 0) * 60;
  };
  return [at(today.open), at(today.close)];
}

/** One area's line: its name and [seconds, people] points. */
export interface AreaLine {
  id: string;
  name: string;
  points: Array<[number, number]>;
}

/** Each area's history continued by its live count now. */
export function areaLines(day: DayHistory | null, live: ReadonlyArray<{ id: string; current_users: number }>, name: (area: never) => string): AreaLine[] {
  const now = Math.floor(Date.now() / 1000);
  return live.map((a) => ({ id: a.id, name: name(a as never), points: [...(day?.areas.get(a.id) ?? []), [now, a.current_users] as [number, number]] }));
}
