/** Percentiles and rates, and the formatting every summary line shares. */

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of a sample (any order). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, p50: at(50), p90: at(90), p99: at(99), max: sorted[n - 1]!, mean: sum / n };
}

export const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–');
export const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
export const ratio = (product: number, baseline: number) =>
  Number.isFinite(product) && Number.isFinite(baseline) && baseline > 0 ? `${(product / baseline).toFixed(2)}×` : '–';
export const pct = (product: number, baseline: number) =>
  Number.isFinite(product) && Number.isFinite(baseline) && baseline > 0 ? `${((product / baseline) * 100).toFixed(0)}%` : '–';
export const kb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '–');
