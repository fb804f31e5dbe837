import { describe, expect, it } from 'vitest';
import { busyness, busynessByHour, drawnSpan, hourIndexAt, nextHourStart, totalCurve, type ForecastHour } from '../../frontend/src/lib/busy.js';

/** A day of hours from local midnight at `midnight` (UTC ms), with these expected values (null: closed). */
function day(expected: Array<number | null>, midnight = Date.UTC(2026, 11, 2, 22)): ForecastHour[] {
  return expected.map((e, i) => ({
    hour: `${String(i).padStart(2, '0')}:00`,
    starts_at: new Date(midnight + i * 3_600_000).toISOString(),
    expected: e ?? 0,
    low: Math.max(0, (e ?? 0) - 2),
    high: (e ?? 0) + 2,
    open: e !== null,
    observed: null,
  }));
}

describe('busyness of a forecast hour', () => {
  it('is quiet below half of the day peak, busy from 80 % of it, usual between', () => {
    expect(busyness(day([null, 2, 5, 7.9, 8, 10, null]))).toEqual([null, 'quiet', 'usual', 'usual', 'busy', 'busy', null]);
  });

  it('calls nothing busy in a big area that stays nearly empty all day', () => {
    // Peak 3 in an area for 40: a fifth of capacity (8) is the reference, so 3 is quiet.
    expect(busyness(day([1, 3, 2]), 40)).toEqual(['quiet', 'quiet', 'quiet']);
    expect(busyness(day([1, 3, 2]))).toEqual(['quiet', 'busy', 'usual']);
  });

  it('keeps the first of a repeated clock hour (a fall-back day) by label', () => {
    const hours = day([2, 10, 10]);
    hours[2]!.hour = '01:00';
    hours[2]!.expected = 1;
    expect([...busynessByHour(hours)]).toEqual([['00:00', 'quiet'], ['01:00', 'busy']]);
  });
});

describe('the hours of a forecast day', () => {
  const hours = day([null, null, 3, 4, null, 5, null, null]);
  const start = (i: number) => Date.parse(hours[i]!.starts_at);

  it('finds the hour holding now, and none on another day', () => {
    expect(hourIndexAt(hours, start(3) + 10 * 60_000)).toBe(3);
    expect(hourIndexAt(hours, start(0) - 1)).toBe(-1);
    expect(hourIndexAt(hours, start(7) + 3_600_000)).toBe(-1);
  });

  it('says when the next hour starts, and nothing within the last hour', () => {
    expect(nextHourStart(hours, start(3) + 1)).toBe(start(4));
    expect(nextHourStart(hours, start(7) + 1)).toBeNull();
  });

  it('draws from one closed hour before opening to one after closing', () => {
    expect(drawnSpan(hours)).toEqual([1, 7]);
    expect(drawnSpan(day([1, null]))).toEqual([0, 2]);
    expect(drawnSpan(day([null, null]))).toBeNull();
  });
});

describe("the whole gym's curve", () => {
  it('sums the areas hour by hour, at mid-hour, over the hours any area is open', () => {
    const a = day([null, 2, 4]);
    const b = day([null, null, 1.25]);
    const curve = totalCurve([{ hours: a }, { hours: b }, { hours: [] }]);
    expect(curve).toEqual([
      { t: Date.parse(a[1]!.starts_at) / 1000 + 1800, expected: 2, low: 0, high: 4 },
      { t: Date.parse(a[2]!.starts_at) / 1000 + 1800, expected: 5.3, low: 2, high: 9.3 },
    ]);
  });
});
