/** Colour thresholds shared by the bars and the wall display: green below 60 %, amber below 85 %, red above. */
export type Level = 'ok' | 'warn' | 'bad';

export function level(current: number, capacity: number): Level {
  if (capacity <= 0) return 'bad';
  const ratio = current / capacity;
  return ratio >= 0.85 ? 'bad' : ratio >= 0.6 ? 'warn' : 'ok';
}

export function percent(current: number, capacity: number): number {
  return capacity > 0 ? Math.min(100, Math.round((current / capacity) * 100)) : 0;
}
