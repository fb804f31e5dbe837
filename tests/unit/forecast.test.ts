/** The busy-hours forecast's pure parts: local hours (DST), presence per hour, the profile, the nowcast. */
import { describe, expect, it } from 'vitest';
import { hoursOfDay, presenceByHour } from '../../backend/src/modules/forecast/hours.js';
import { estimateHour, nowcast, quietestWindow, type DayCurve } from '../../backend/src/modules/forecast/profile.js';

const ZONE = 'Europe/Athens';

describe('local hours', () => {
  it('has 24 hours on an ordinary day, 23 when clocks go forward and 25 when they go back', () => {
    expect(hoursOfDay('2026-06-10', ZONE)).toHaveLength(24);
    const spring = hoursOfDay('2026-03-29', ZONE);
    expect(spring).toHaveLength(23);
    expect(spring.map((h) => h.label)).not.toContain('03:00');
    const autumn = hoursOfDay('2026-10-25', ZONE);
    expect(autumn).toHaveLength(25);
    expect(autumn.filter((h) => h.label === '03:00')).toHaveLength(2);
    // Every hour is an hour of real time, back to back.
    for (let i = 1; i < autumn.length; i++) expect(autumn[i]!.start).toBe(autumn[i - 1]!.end);
  });
});

describe('presence per hour', () => {
  it('counts the part of each hour a visit overlaps, and open visits until now', () => {
    const hours = hoursOfDay('2026-06-10', 'UTC');
    const at = (h: number, m = 0) => Date.UTC(2026, 5, 10, h, m);
    const presence = presenceByHour([
      { area_id: 'a', from: at(10, 30), to: at(11, 15) },
      { area_id: 'a', from: at(10, 0), to: at(11, 0) },
      { area_id: 'b', from: at(9, 0), to: null },
    ], hours, at(9, 30));
    expect(presence.get('a')![10]).toBeCloseTo(1.5);
    expect(presence.get('a')![11]).toBeCloseTo(0.25);
    expect(presence.get('a')![9]).toBe(0);
    expect(presence.get('b')![9]).toBeCloseTo(0.5);
    expect(presence.get('b')![10]).toBe(0);
  });
});

describe('the weekly profile', () => {
  it('recovers a known pattern from noisy weeks, with the truth inside the band', () => {
    const pattern = Array.from({ length: 24 }, (_, h) => (h >= 6 && h < 22 ? 5 + 15 * Math.exp(-((h - 18) ** 2) / 4) + 8 * Math.exp(-((h - 8) ** 2) / 2) : 0));
    let seed = 7;
    const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 4;
    const weeks: DayCurve[] = Array.from({ length: 10 }, () => pattern.map((v) => Math.max(0, v + (v > 0 ? noise() : 0))));
    for (let h = 0; h < 24; h++) {
      const e = estimateHour(weeks, h)!;
      expect(Math.abs(e.expected - pattern[h]!)).toBeLessThan(1.5);
      expect(e.low).toBeLessThanOrEqual(e.expected);
      expect(e.high).toBeGreaterThanOrEqual(e.expected);
    }
    // The evening peak is found where it is.
    const expected = Array.from({ length: 24 }, (_, h) => estimateHour(weeks, h)!.expected);
    expect(expected.indexOf(Math.max(...expected))).toBe(18);
  });

  it('follows a change faster than a plain mean: recent weeks weigh more', () => {
    const weeks: DayCurve[] = [[20], [20], [20], [5], [5], [5], [5], [5]];
    const plainMean = (20 * 3 + 5 * 5) / 8;
    expect(estimateHour(weeks, 0)!.expected).toBeGreaterThan(plainMean + 3);
  });

  it('answers null for an hour never measured and stays within the capacity', () => {
    expect(estimateHour([[undefined], []], 0)).toBeNull();
    const e = estimateHour([[9.5], [10]], 0, 10)!;
    expect(e.high).toBeLessThanOrEqual(10);
  });
});

describe('nowcast and quiet hours', () => {
  it('pulls the coming hours towards what is happening now, less so further ahead', () => {
    const hours = [10, 10, 10, 10].map((v) => ({ expected: v, low: v - 2, high: v + 2 }));
    const now = nowcast(hours, 1, 21);
    expect(now[0]!.expected).toBe(10);
    // (21 + 1) / (10 + 1): twice as busy as expected now.
    expect(now[1]!.expected).toBeCloseTo(20);
    expect(now[2]!.expected).toBeGreaterThan(10);
    expect(now[2]!.expected).toBeLessThan(now[1]!.expected);
    expect(now[3]!.expected).toBeLessThan(now[2]!.expected);
  });

  it('finds the two quietest open hours from a given hour on', () => {
    const expected = [0, 3, 8, 2, 1, 9, 4];
    const open = [false, true, true, true, true, true, true];
    expect(quietestWindow(expected, open)).toEqual([3, 5]);
    expect(quietestWindow(expected, open, 5)).toEqual([5, 7]);
    expect(quietestWindow(expected, open.map(() => false))).toBeNull();
  });
});
