/**
 * Reading a busy-hours forecast for the screens: how busy each hour is against the rest of its day,
 * which hour is now, which hours are worth drawing, and the whole gym's curve for the occupancy chart.
 * Plain functions over the answer's shape (contracts/forecast.ts), so they are testable without a browser.
 */

export interface ForecastHour {
  hour: string;
  starts_at: string;
  expected: number;
  low: number;
  high: number;
  open: boolean;
  observed: number | null;
}

export type Busyness = 'quiet' | 'usual' | 'busy';

const HOUR_MS = 3_600_000;

/**
 * Each hour's busyness against the day's busiest open hour: below half of it is quiet, from 80 % on busy.
 * A peak of a few people in a big area is not "busy": the reference never drops below a fifth of capacity.
 * Closed hours are null.
 */
export function busyness(hours: readonly ForecastHour[], capacity?: number | null): Array<Busyness | null> {
  const peak = Math.max(0, ...hours.filter((h) => h.open).map((h) => h.expected));
  const reference = Math.max(peak, (capacity ?? 0) * 0.2, 1);
  return hours.map((h) => {
    if (!h.open) return null;
    const ratio = h.expected / reference;
    return ratio >= 0.8 ? 'busy' : ratio < 0.5 ? 'quiet' : 'usual';
  });
}

/** The index of the hour holding `now` (ms), or -1 when the day is not today. */
export function hourIndexAt(hours: readonly ForecastHour[], now: number): number {
  return hours.findIndex((h) => {
    const start = Date.parse(h.starts_at);
    return start <= now && now < start + HOUR_MS;
  });
}

/** When the hour after `now` begins (ms), from the forecast's own hours; null past the day's last hour. */
export function nextHourStart(hours: readonly ForecastHour[], now: number): number | null {
  for (const h of hours) {
    const start = Date.parse(h.starts_at);
    if (start > now) return start;
  }
  return null;
}

/**
 * The hours worth drawing: from one hour before the first open hour to one after the last, so a closed
 * edge shows where the day starts and ends without spending the width on the night. [from, to) indexes.
 */
export function drawnSpan(hours: readonly ForecastHour[]): [number, number] | null {
  const first = hours.findIndex((h) => h.open);
  if (first < 0) return null;
  const last = hours.findLastIndex((h) => h.open);
  return [Math.max(0, first - 1), Math.min(hours.length, last + 2)];
}

/** Each clock hour's busyness by its label ("HH:00"); a day that repeats an hour keeps the first. */
export function busynessByHour(hours: readonly ForecastHour[], capacity?: number | null): Map<string, Busyness> {
  const levels = busyness(hours, capacity);
  const byHour = new Map<string, Busyness>();
  hours.forEach((h, i) => {
    const level = levels[i];
    if (level && !byHour.has(h.hour)) byHour.set(h.hour, level);
  });
  return byHour;
}

export interface CurvePoint {
  /** The middle of the hour, seconds since epoch. */
  t: number;
  expected: number;
  low: number;
  high: number;
}

/**
 * The gym's whole-day curve: per open hour, the sum of its areas' expected people and of their bands.
 * Summed percentiles make a band a little wider than the gym's own would be; as a "usual range" behind
 * the live line that errs on the side of not calling an ordinary hour unusual.
 */
export function totalCurve(forecasts: ReadonlyArray<{ hours: readonly ForecastHour[] }>): CurvePoint[] {
  const byStart = new Map<string, CurvePoint>();
  for (const f of forecasts) {
    // A closed area adds nothing to an hour another area keeps open.
    for (const h of f.hours.filter((x) => x.open)) {
      const point = byStart.get(h.starts_at) ?? { t: Date.parse(h.starts_at) / 1000 + 1800, expected: 0, low: 0, high: 0 };
      point.expected += h.expected;
      point.low += h.low;
      point.high += h.high;
      byStart.set(h.starts_at, point);
    }
  }
  return [...byStart.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ t, expected, low, high }) => ({ t, expected: round1(expected), low: round1(low), high: round1(high) }));
}

const round1 = (v: number) => Math.round(v * 10) / 10;
