/**
 * `npm run forecast:backtest`: how good the busy-hours forecast is, measured honestly. Replays a
 * history of visits, measures every hour as the job does, forecasts each next week hour by hour with
 * only what was known before it, and reports the mean absolute error (people) over the open hours
 * against two baselines: the same hour one week earlier (naive) and the plain mean of that hour of the
 * week. Also the nowcast one hour ahead, from the hour just measured. Two histories: the demo seed's
 * (a steady weekly pattern) and the same with a new evening class from week 4 (a shift to follow).
 * Exits non-zero when the forecast does not beat the naive baseline on either.
 */
import { pathToFileURL } from 'node:url';
import { DateTime } from 'luxon';
import { DEFAULT_OPENING_HOURS } from '../db/seeds/demo.js';
import { planVisits, type Area } from '../db/seeds/demo-activity.js';
import { hoursOfDay, presenceByHour, type VisitSpan } from '../backend/src/modules/forecast/hours.js';
import { dayCurve, estimateHour, nowcast, WEEKS, type DayCurve } from '../backend/src/modules/forecast/profile.js';
import { addDays, hoursOn } from '../backend/src/modules/slots/slot-grid.js';

const ZONE = 'Europe/Athens';
const START = '2026-08-31'; // a Monday; ten weeks take in the end of summer time on 2026-10-25
const HISTORY_WEEKS = 10;
/** Weeks of history before the first week forecast. */
const WARM_UP = 2;

const AREAS: Area[] = [
  ['Weight Room', 40], ['Yoga Studio', 20], ['Squash Court', 4], ['Swimming Pool', 30], ['Cardio Zone', 25],
].map(([name, capacity], i) => ({
  id: `area-${i}`, name_en: String(name), capacity: Number(capacity), current_users: 0, is_bookable: true,
  booking_capacity: 1, slot_minutes: 60, price_per_hour_cents: 0, opening_hours: null,
}));
/** Within the studio's capacity of 20 with the regulars who are there anyway. */
const CLASS_SIZE = 12;
const PEOPLE = Array.from({ length: 400 }, (_, i) => `person-${i}`);

export interface BacktestRow {
  history: string;
  hours: number;
  naive: number;
  weekMean: number;
  forecast: number;
  nowcast: number;
}

/** The demo's visits, plus (from `classFromWeek`) a weekday 19:00 class in the Yoga Studio. */
function visitsOf(days: string[], classFromWeek: number | null): VisitSpan[] {
  const never = new Date(Date.UTC(2100, 0, 1));
  const out: VisitSpan[] = [];
  days.forEach((date, i) => {
    for (const v of planVisits('backtest', date, ZONE, DEFAULT_OPENING_HOURS, PEOPLE, AREAS, never)) {
      out.push({ area_id: v.area_id, from: Date.parse(v.checked_in_at), to: v.checked_out_at ? Date.parse(v.checked_out_at) : null });
    }
    const weekday = DateTime.fromISO(date, { zone: ZONE }).weekday;
    if (classFromWeek !== null && i >= classFromWeek * 7 && weekday <= 5) {
      const start = DateTime.fromISO(`${date}T19:00`, { zone: ZONE }).toMillis();
      for (let p = 0; p < CLASS_SIZE; p++) out.push({ area_id: 'area-1', from: start + (p % 10) * 60_000, to: start + 60 * 60_000 });
    }
  });
  return out;
}

/** Measured people by area, date and local hour, as the job stores them. */
function measure(days: string[], visits: VisitSpan[]): Map<string, Map<string, DayCurve>> {
  const out = new Map<string, Map<string, DayCurve>>(AREAS.map((a) => [a.id, new Map()]));
  for (const date of days) {
    const hours = hoursOfDay(date, ZONE);
    const presence = presenceByHour(visits, hours, Infinity);
    for (const area of AREAS) {
      const row = presence.get(area.id) ?? [];
      out.get(area.id)!.set(date, dayCurve(hours.map((h, i) => ({ hour: h.hour, people: row[i] ?? 0 }))));
    }
  }
  return out;
}

type Focus = (areaId: string, day: number, hour: number) => boolean;

function run(history: string, classFromWeek: number | null, focus: Focus = () => true): BacktestRow {
  const days = Array.from({ length: HISTORY_WEEKS * 7 }, (_, i) => addDays(START, i));
  const measured = measure(days, visitsOf(days, classFromWeek));
  const err = { naive: 0, weekMean: 0, forecast: 0, nowcast: 0, n: 0 };
  for (let d = WARM_UP * 7; d < days.length; d++) {
    const date = days[d]!;
    const open = hoursOn(DEFAULT_OPENING_HOURS, date);
    if (!open) continue;
    const [openH, closeH] = [Number(open.open.slice(0, 2)), Number(open.close.slice(0, 2))];
    for (const area of AREAS) {
      const byDate = measured.get(area.id)!;
      // Only what was known before the day: the same weekday of earlier weeks, newest first.
      const past = Array.from({ length: Math.min(WEEKS, Math.floor(d / 7)) }, (_, k) => byDate.get(days[d - 7 * (k + 1)]!)!);
      const truth = byDate.get(date)!;
      const estimates = Array.from({ length: 24 }, (_, h) => estimateHour(past, h, area.capacity));
      for (let h = openH; h < closeH; h++) {
        if (!focus(area.id, d, h)) continue;
        const actual = truth[h] ?? 0;
        const plain = past.reduce((s, day) => s + (day[h] ?? 0), 0) / past.length;
        // The nowcast at the start of hour h knows the hour before it, as the screens know "now".
        const ahead = nowcast(estimates, h - 1, truth[h - 1] ?? 0, area.capacity)[h];
        err.naive += Math.abs((past[0]![h] ?? 0) - actual);
        err.weekMean += Math.abs(plain - actual);
        err.forecast += Math.abs((estimates[h]?.expected ?? 0) - actual);
        err.nowcast += Math.abs((ahead?.expected ?? 0) - actual);
        err.n++;
      }
    }
  }
  const mae = (v: number) => Math.round((v / err.n) * 100) / 100;
  return { history, hours: err.n, naive: mae(err.naive), weekMean: mae(err.weekMean), forecast: mae(err.forecast), nowcast: mae(err.nowcast) };
}

export function backtest(): BacktestRow[] {
  const classHour: Focus = (areaId, day, hour) => areaId === 'area-1' && hour === 19 && day >= 3 * 7 && day % 7 < 5;
  return [
    run('demo seed (steady weekly pattern)', null),
    run('new evening class from week 4', 3),
    run('… only the class hour (Yoga Studio, weekdays 19:00, from week 4)', 3, classHour),
  ];
}

export function backtestTable(rows: BacktestRow[]): string[] {
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');
  return [
    '| history | open area-hours forecast | naive (same hour last week) | hour-of-week mean | forecast | forecast ÷ naive | nowcast 1 h ahead | nowcast ÷ naive |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.history} | ${r.hours.toLocaleString('en')} | ${r.naive} | ${r.weekMean} | ${r.forecast} | ${ratio(r.forecast, r.naive)} | ${r.nowcast} | ${ratio(r.nowcast, r.naive)} |`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = backtest();
  console.log('Mean absolute error, people per area-hour (lower is better):\n');
  console.log(backtestTable(rows).join('\n'));
  const beaten = rows.slice(0, 2).filter((r) => r.forecast >= r.naive);
  if (beaten.length) {
    console.error(`\nThe forecast does not beat the naive baseline on: ${beaten.map((r) => r.history).join(', ')}`);
    process.exitCode = 1;
  }
}
