/**
 * Today's occupancy curve (all areas together) from GET /api/occupancy/history: counts only, so staff
 * and wall displays read the same thing. The live samples continue the curve from its last point.
 */
import { api } from './api.js';
import type { Sample } from './live.svelte.js';

interface History {
  interval_minutes: number;
  areas: Array<{ capacity: number; points: Array<{ at: string; current_users: number }> }>;
}

export async function occupancyToday(intervalMinutes = 10): Promise<Sample[]> {
  const history = await api.get<History>('/api/occupancy/history', { query: { interval: intervalMinutes } });
  const totals = new Map<number, Sample>();
  for (const area of history.areas) {
    for (const p of area.points) {
      const t = Math.floor(new Date(p.at).getTime() / 1000);
      const s = totals.get(t) ?? { t, total: 0, capacity: 0 };
      s.total += p.current_users;
      s.capacity += area.capacity;
      totals.set(t, s);
    }
  }
  return [...totals.values()].sort((a, b) => a.t - b.t);
}

/** The day so far followed by the live samples that came after it. */
export function withLive(history: Sample[], live: Sample[]): Sample[] {
  const last = history[history.length - 1]?.t ?? 0;
  return [...history, ...live.filter((s) => s.t > last)];
}
