/**
 * Busy hours from the server. `TodayForecast` holds every area's forecast for today, read in one request
 * by the screen that shows it and read again once an hour has turned: "now" moves, the nowcast starts
 * from the new hour and the hour that ended comes back measured. `areaForecast` reads one area's day.
 */
import type { AreaForecast } from '$contracts/forecast.js';
import { api, ApiError } from './api.js';
import { Backoff } from './backoff.js';
import { nextHourStart } from './busy.js';

const HOUR_MS = 3_600_000;
/** After the hour turns, the measuring pass (once a minute) has had time to count the hour that ended. */
const AFTER_TURN_MS = 75_000;

export class TodayForecast {
  areas = $state<AreaForecast[] | null>(null);
  /** The instant the forecast was read for (ms): screens mark "now" from it, so it moves with each read. */
  now = $state(Date.now());
  private timer: ReturnType<typeof setTimeout> | null = null;
  private due = 0;
  private backoff = new Backoff(5_000, 300_000);
  private running = false;
  private readonly onVisible = () => {
    // A sleeping laptop or a hidden tab delays timers: catch up when the screen is looked at again.
    if (document.visibilityState === 'visible' && this.due && Date.now() >= this.due) void this.load();
  };

  /** Starts reading; the returned function stops (for an $effect to return). */
  start(): () => void {
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisible);
    void this.load();
    return () => this.stop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  get(areaId: string): AreaForecast | undefined {
    return this.areas?.find((a) => a.area_id === areaId);
  }

  private async load(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    try {
      const areas = await api.get<AreaForecast[]>('/api/forecast');
      if (!this.running) return;
      this.areas = areas;
      this.now = now;
      this.backoff.reset();
      this.schedule(this.turnAfter(areas, now) + AFTER_TURN_MS - Date.now());
    } catch (err) {
      if (!this.running) return;
      // A refused session or token is the screen's to handle; asking again would not change the answer.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
      this.schedule(this.backoff.next());
    }
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.due = Date.now() + Math.max(1_000, delay);
    this.timer = setTimeout(() => void this.load(), Math.max(1_000, delay));
  }

  /** When the current hour ends, by the gym's own hours (a half-hour time zone turns at :30). */
  private turnAfter(areas: AreaForecast[], now: number): number {
    const hours = areas.find((a) => a.hours.length)?.hours;
    const next = hours ? nextHourStart(hours, now) : null;
    if (next !== null) return next;
    const last = hours?.at(-1);
    return last ? Math.max(Date.parse(last.starts_at) + HOUR_MS, now) : Math.ceil(now / HOUR_MS) * HOUR_MS;
  }
}

/** One area's busy hours on a local date of the gym. */
export function areaForecast(areaId: string, date: string, signal?: AbortSignal): Promise<AreaForecast> {
  return api.get<AreaForecast>(`/api/areas/${areaId}/forecast`, { query: { date }, signal });
}
