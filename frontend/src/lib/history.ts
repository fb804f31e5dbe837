/**
 * Today's occupancy curve for staff, rebuilt from the visits (check-ins and check-outs) since the start
 * of the gym's day. Visits that began before the window are not listed, so the curve is shifted to end
 * at the live total the server reports.
 */
import { api } from './api.js';
import type { Sample } from './live.svelte.js';

interface Visit {
  id: string;
  area_id: string;
  checked_in_at: string;
  checked_out_at: string | null;
}

/** Seconds since epoch of the gym's local midnight today. */
export function startOfLocalDay(timeZone: string | null): number {
  const now = new Date();
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timeZone ?? undefined, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Math.floor(now.getTime() / 1000) - (get('hour') * 3600 + get('minute') * 60 + get('second'));
}

export async function occupancyToday(timeZone: string | null, current: { total: number; capacity: number }): Promise<Sample[]> {
  const start = startOfLocalDay(timeZone);
  const from = new Date((start - 86_400) * 1000).toISOString().slice(0, 10);
  const visits = await api.list<Visit>('/api/visits', { query: { from, limit: 200 } }, 10);
  const steps: Array<[number, number]> = [];
  for (const v of visits) {
    const inAt = Math.floor(new Date(v.checked_in_at).getTime() / 1000);
    steps.push([Math.max(inAt, start), +1]);
    if (v.checked_out_at) {
      const outAt = Math.floor(new Date(v.checked_out_at).getTime() / 1000);
      if (outAt >= start) steps.push([outAt, -1]);
      else steps.push([start, -1]);
    }
  }
  steps.sort((a, b) => a[0] - b[0]);
  const points: Array<[number, number]> = [[start, 0]];
  let level = 0;
  for (const [t, delta] of steps) {
    level += delta;
    const last = points[points.length - 1]!;
    if (last[0] === t) last[1] = level;
    else points.push([t, level]);
  }
  const shift = current.total - level;
  return points.map(([t, total]) => ({ t, total: Math.max(0, total + shift), capacity: current.capacity }));
}
