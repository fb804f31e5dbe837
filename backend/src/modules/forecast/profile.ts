/**
 * The busy-hours forecast of one area on one day, from the same weekday of the last weeks: an
 * exponentially weighted mean per local hour (last week counts most, each week before DECAY times
 * less) with a 10th-90th percentile band, and for today a nowcast that pulls the coming hours towards
 * what is happening now, less so the further ahead. Pure: the service and the backtest share it.
 * FORECAST.md has the method and its measured error against naive baselines.
 */

/**
 * Weight of a week relative to the week after it, per hour: the candidate that would have forecast that
 * hour's own past weeks best (one week ahead each), so a steady hour averages many weeks and an hour
 * that changed (a new class) follows the change within a week or two. DECAY where too few weeks tell.
 */
export const DECAYS = [0.3, 0.5, 0.7, 0.85] as const;
export const DECAY = 0.85;
const SHIFT_EVIDENCE = 0.9;
/** How many past weeks of the same weekday count. */
export const WEEKS = 12;
/** How much of the nowcast's correction survives each hour further ahead. */
export const NOWCAST_DAMPING = 0.6;
/** z of the 10th/90th percentile: the band is never narrower than counting noise (sqrt of the mean). */
const Z90 = 1.2816;

/** One past day's people by local hour (index 0-23; undefined where not measured). */
export type DayCurve = ReadonlyArray<number | undefined>;

/** A day's measured hours as a curve by local hour: a fall-back day's repeated hour is averaged. */
export function dayCurve(measured: Iterable<{ hour: number; people: number }>): DayCurve {
  const sums: Array<[number, number] | undefined> = [];
  for (const { hour, people } of measured) {
    const [sum, n] = sums[hour] ?? [0, 0];
    sums[hour] = [sum + people, n + 1];
  }
  return Array.from({ length: 24 }, (_, h) => {
    const entry = sums[h];
    return entry ? entry[0] / entry[1] : undefined;
  });
}

export interface HourEstimate {
  expected: number;
  low: number;
  high: number;
}

/** The estimate of `hour` from past days, newest first; null when none of them measured it. */
export function estimateHour(days: readonly DayCurve[], hour: number, capacity = Infinity, decay?: number): HourEstimate | null {
  const values = days.map((d) => d[hour]);
  const points = weighted(values, decay ?? fittedDecay(values));
  if (!points.length) return null;
  const total = points.reduce((s, p) => s + p.w, 0);
  const expected = points.reduce((s, p) => s + p.v * p.w, 0) / total;
  const noise = Z90 * Math.sqrt(expected);
  return bounded({
    expected,
    low: Math.min(weightedQuantile(points, 0.1), expected - noise),
    high: Math.max(weightedQuantile(points, 0.9), expected + noise),
  }, capacity);
}

/** The measured values, newest first, with weights decay^age. */
function weighted(values: ReadonlyArray<number | undefined>, decay: number): Array<{ v: number; w: number }> {
  const points: Array<{ v: number; w: number }> = [];
  values.forEach((v, age) => { if (v !== undefined) points.push({ v, w: decay ** age }); });
  return points;
}

/**
 * The decay whose forecasts of this hour's past weeks (each from the weeks before it) erred least; a
 * faster one must beat the slowest by SHIFT_EVIDENCE, so noise alone never makes the profile jumpy.
 */
function fittedDecay(values: ReadonlyArray<number | undefined>): number {
  if (values.filter((v) => v !== undefined).length < 4) return DECAY;
  let best = DECAY;
  let bestError = Infinity;
  for (const decay of [...DECAYS].reverse()) {
    let error = 0;
    // Forecast week t from the weeks older than it (values are newest first).
    for (let t = values.length - 3; t >= 0; t--) {
      const actual = values[t];
      const points = weighted(values.slice(t + 1), decay);
      if (actual === undefined || !points.length) continue;
      const total = points.reduce((s, p) => s + p.w, 0);
      error += Math.abs(points.reduce((s, p) => s + p.v * p.w, 0) / total - actual);
    }
    if (bestError === Infinity || error < bestError * SHIFT_EVIDENCE) {
      bestError = error;
      best = decay;
    }
  }
  return best;
}

/** The q-quantile of weighted values (midpoint rule, linear between neighbours). */
function weightedQuantile(points: ReadonlyArray<{ v: number; w: number }>, q: number): number {
  const sorted = [...points].sort((a, b) => a.v - b.v);
  const total = sorted.reduce((s, p) => s + p.w, 0);
  let cum = 0;
  const at = sorted.map((p) => {
    const mid = (cum + p.w / 2) / total;
    cum += p.w;
    return mid;
  });
  if (q <= at[0]!) return sorted[0]!.v;
  for (let i = 1; i < sorted.length; i++) {
    if (q <= at[i]!) {
      const t = (q - at[i - 1]!) / (at[i]! - at[i - 1]!);
      return sorted[i - 1]!.v + t * (sorted[i]!.v - sorted[i - 1]!.v);
    }
  }
  return sorted.at(-1)!.v;
}

function bounded(e: HourEstimate, capacity: number): HourEstimate {
  const clamp = (v: number) => Math.min(capacity, Math.max(0, v));
  return { expected: clamp(e.expected), low: clamp(e.low), high: clamp(e.high) };
}

/**
 * Scales the estimates from index `from` on by how the hour at `from` is going: `current` people
 * against its expected. The correction fades by NOWCAST_DAMPING per hour; +1 on both sides keeps an
 * almost empty hour from multiplying the day.
 */
export function nowcast(hours: readonly (HourEstimate | null)[], from: number, current: number, capacity = Infinity): Array<HourEstimate | null> {
  const base = hours[from];
  if (!base) return [...hours];
  const ratio = (current + 1) / (base.expected + 1);
  return hours.map((h, i) => {
    if (!h || i < from) return h;
    const f = 1 + (ratio - 1) * NOWCAST_DAMPING ** (i - from);
    return bounded({ expected: h.expected * f, low: h.low * f, high: h.high * f }, capacity);
  });
}

/**
 * The quietest stretch among the open hours from index `from`: the two consecutive open hours with the
 * fewest people expected (one hour where no two are open together), as [start, end) indexes.
 */
export function quietestWindow(expected: readonly (number | null)[], open: readonly boolean[], from = 0, length = 2): [number, number] | null {
  let best: [number, number] | null = null;
  let bestMean = Infinity;
  for (const len of [length, 1]) {
    for (let i = from; i + len <= expected.length; i++) {
      let sum = 0;
      let ok = true;
      for (let j = i; j < i + len; j++) {
        const e = expected[j];
        if (!open[j] || e === null || e === undefined) ok = false;
        else sum += e;
      }
      if (ok && sum / len < bestMean - 1e-9) {
        bestMean = sum / len;
        best = [i, i + len];
      }
    }
    if (best) return best;
  }
  return best;
}
