/**
 * The slot grid of one area on one day, in the tenant's time zone. Slots are contiguous intervals of
 * exactly `slot_minutes` of real time, from the opening instant to the closing instant; labels are the
 * local clock times. So on a spring-forward day the skipped hour simply has no slot (02:00 is followed
 * by 04:00), and on a fall-back day the repeated hour appears twice (03:00 at +03 and 03:00 at +02):
 * every real minute of opening time belongs to exactly one slot, and a slot always lasts what it costs.
 */
import { LRUCache } from 'lru-cache';
import { DateTime } from 'luxon';
import { CLOCK, CLOSING_CLOCK, WEEKDAYS, type DayHours, type OpeningHours } from '../../contracts/common.js';

export { CLOCK, CLOSING_CLOCK, ISO_DATE, WEEKDAYS, isValidDate, type DayHours, type OpeningHours, type Weekday } from '../../contracts/common.js';

/** Used when neither the area nor the tenant says when it is open. */
const ALL_DAY: DayHours = { open: '00:00', close: '24:00' };

export interface Slot {
  /** Local clock time the slot starts, HH:MM. */
  start: string;
  /** Local clock time the slot ends, HH:MM ('24:00' for midnight at the end of the day). */
  end: string;
  startsAt: Date;
  endsAt: Date;
}

// Zone names are few and their validity fixed for the process: asked on every booking, answered once.
const knownZones = new LRUCache<string, boolean>({ max: 1000 });

export function isValidZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  let valid = knownZones.get(zone);
  if (valid === undefined) knownZones.set(zone, (valid = DateTime.now().setZone(zone).isValid));
  return valid;
}

/** Today's date in `zone`. */
export function localDate(now: Date, zone: string): string {
  return DateTime.fromJSDate(now).setZone(zone).toISODate()!;
}

/** The local date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** The opening hours that apply on `date`: null when closed that day. */
export function hoursOn(hours: OpeningHours | null | undefined, date: string): DayHours | null {
  if (!hours) return ALL_DAY;
  // The weekday of a calendar date, without luxon (asked on every booking): getUTCDay counts from Sunday.
  const weekday = WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
  const day = hours[weekday];
  if (!day || !CLOCK.test(day.open) || !CLOSING_CLOCK.test(day.close)) return null;
  return day;
}

function at(date: string, clock: string, zone: string): DateTime {
  const day = DateTime.fromISO(date, { zone });
  if (clock === '24:00') return day.plus({ days: 1 }).startOf('day');
  const [hour, minute] = clock.split(':').map(Number) as [number, number];
  // A clock time inside a spring-forward gap moves forward to the first instant that exists.
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

function label(t: DateTime, date: string): string {
  return t.toISODate() !== date && t.hour === 0 && t.minute === 0 ? '24:00' : t.toFormat('HH:mm');
}

export function buildSlotGrid(input: { date: string; zone: string; hours: OpeningHours | null | undefined; slotMinutes: number }): Slot[] {
  const { date, zone, slotMinutes } = input;
  const day = hoursOn(input.hours, date);
  if (!day || slotMinutes <= 0) return [];
  // A day's grid depends only on these; building it with luxon was a fifth of a booking's CPU.
  const key = `${zone}|${date}|${day.open}|${day.close}|${slotMinutes}`;
  let grid = gridCache.get(key);
  if (!grid) {
    grid = Object.freeze(computeGrid(date, zone, day, slotMinutes).map((slot) => Object.freeze(slot)));
    gridCache.set(key, grid);
  }
  return grid.slice();
}

// Module-wide, not per server: a grid is a pure function of its key, so it never goes stale (no TTL);
// the least recently used grids (past days, rare zones) make room for the ones being booked.
const gridCache = new LRUCache<string, readonly Slot[]>({ max: 2000 });

function computeGrid(date: string, zone: string, day: DayHours, slotMinutes: number): Slot[] {
  const open = at(date, day.open, zone);
  const close = at(date, day.close, zone);
  const slots: Slot[] = [];
  for (let s = open; s.plus({ minutes: slotMinutes }) <= close; s = s.plus({ minutes: slotMinutes })) {
    const e = s.plus({ minutes: slotMinutes });
    slots.push({ start: label(s, date), end: label(e, date), startsAt: s.toJSDate(), endsAt: e.toJSDate() });
  }
  return slots;
}

export type SlotPick =
  | { ok: true; startsAt: Date; endsAt: Date; start: string }
  | { ok: false; reason: 'closed' | 'off_grid' | 'past_closing' };

/**
 * The interval a booking of `duration` minutes at local `time` covers: it starts on a slot of the grid
 * and ends by closing time (any length; the price is pro rata, contracts/money.ts). On a fall-back day
 * a repeated clock time means its first occurrence.
 */
export function pickSlots(grid: Slot[], time: string, duration: number): SlotPick {
  if (grid.length === 0) return { ok: false, reason: 'closed' };
  const first = grid.find((s) => s.start === time);
  if (!first) {
    const inside = grid.some((s) => s.start < time && time < s.end);
    return { ok: false, reason: inside ? 'off_grid' : 'closed' };
  }
  const endsAt = new Date(first.startsAt.getTime() + duration * 60_000);
  if (duration <= 0 || endsAt > grid.at(-1)!.endsAt) return { ok: false, reason: 'past_closing' };
  return { ok: true, startsAt: first.startsAt, endsAt, start: time };
}
