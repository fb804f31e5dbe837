/**
 * What makes the demo look alive: a few hundred extra members (who cannot sign in), three weeks of
 * their visits shaped like a real gym's day (busy mornings and evenings, quiet afternoons, a different
 * weekend), the people of that plan who are inside right now, and bookings across the coming week.
 *
 * Deterministic: each day's plan comes from a random generator seeded with the gym and the date, so a
 * restart plans the same visits and inserts only those not there yet. It never touches people's own
 * data: bookings that clash with a real booking are skipped, and people checked in now stay within each
 * area's free capacity. Every write is one set-based statement, so seeding stays quick on PGlite.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { priceFor } from '../../backend/src/contracts/money.js';
import { addDays, buildSlotGrid, hoursOn, localDate, type OpeningHours } from '../../backend/src/modules/slots/slot-grid.js';
import { calendarOf } from '../../backend/src/modules/slots/tenant-clock.js';

/** How many extra members, how far back the visits go, how far ahead the bookings. */
const PEOPLE = 400;
const HISTORY_DAYS = 21;
const BOOKING_DAYS = 7;
/** The demo's extra members are told apart from people's own by this member-id prefix. */
const DEMO_ID = 'D-';

const FIRST = ['Eleni', 'Giorgos', 'Maria', 'Nikos', 'Katerina', 'Dimitris', 'Sofia', 'Kostas', 'Anna', 'Yannis',
  'Christina', 'Petros', 'Ioanna', 'Alexandros', 'Despina', 'Stavros', 'Emma', 'Liam', 'Olivia', 'Noah'];
const LAST = ['Papadopoulos', 'Georgiou', 'Nikolaou', 'Ioannou', 'Konstantinou', 'Dimitriou', 'Vlachos', 'Pappas',
  'Karras', 'Oikonomou', 'Smith', 'Brown', 'Walker', 'Turner', 'Hughes'];

/** Arrivals by hour of the day, relative: weekdays peak before and after work, weekends late morning. */
const WEEKDAY = [0, 0, 0, 0, 0, 0, 0.6, 1, 0.9, 0.6, 0.45, 0.4, 0.45, 0.35, 0.25, 0.25, 0.45, 0.85, 1, 0.95, 0.7, 0.4, 0.15, 0];
const SATURDAY = [0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.7, 1, 1, 0.9, 0.7, 0.5, 0.35, 0.3, 0.35, 0.4, 0.45, 0.35, 0.25, 0.15, 0.05, 0];
const SUNDAY = [0, 0, 0, 0, 0, 0, 0, 0, 0.4, 0.8, 1, 0.9, 0.7, 0.5, 0.4, 0.4, 0.45, 0.4, 0.3, 0.15, 0, 0, 0, 0];
/** Share of the members who come on a weekday, a Saturday, a Sunday. */
const TURNOUT = { weekday: 0.6, saturday: 0.45, sunday: 0.3 };
/** Which areas people head for, by the demo area's English name; other areas get a small share. */
const AREA_WEIGHT: Record<string, number> = { 'Weight Room': 5, 'Cardio Zone': 3, 'Swimming Pool': 2, 'Yoga Studio': 2, 'Squash Court': 0.6 };

export interface Area { id: string; name_en: string; capacity: number; current_users: number; is_bookable: boolean; booking_capacity: number; slot_minutes: number; price_per_hour_cents: string | number; opening_hours: OpeningHours | null }
interface PlannedVisit { user_id: string; area_id: string; checked_in_at: string; checked_out_at: string | null }

/** mulberry32 over a string hash: small, fast and the same everywhere. */
function random(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: T[], weight: (item: T) => number): T {
  const total = items.reduce((sum, item) => sum + weight(item), 0);
  let r = rand() * total;
  for (const item of items) if ((r -= weight(item)) < 0) return item;
  return items[items.length - 1]!;
}

export async function seedActivity(trx: Knex.Transaction, tenant: { id: string; subdomain: string; settings: Record<string, unknown> }, bcryptCost: number, now = new Date()): Promise<void> {
  const { zone, openingHours } = calendarOf(tenant.settings);
  const people = await ensurePeople(trx, tenant, bcryptCost);
  const areas = (await trx('gym_areas').select('*').orderBy('name_en')) as Area[];
  if (!people.length || !areas.length) return;
  const today = localDate(now, zone);

  const visits: PlannedVisit[] = [];
  for (let d = -HISTORY_DAYS; d <= 0; d++) visits.push(...planVisits(tenant.subdomain, addDays(today, d), zone, openingHours, people, areas, now));
  await insertVisits(trx, tenant.id, visits);

  // A day of bookings is seeded once: what people cancel or move afterwards stays so.
  const { rows } = await trx.raw<{ rows: Array<{ date: string }> }>(
    `select distinct to_char(b.booking_date, 'YYYY-MM-DD') as date from bookings b join users u on u.id = b.user_id
      where u.member_id like ? and b.booking_date >= ?::date`,
    [`${DEMO_ID}%`, today],
  );
  const booked = new Set(rows.map((r) => r.date));
  for (let d = 0; d < BOOKING_DAYS; d++) {
    const date = addDays(today, d);
    if (!booked.has(date)) await insertBookings(trx, tenant, date, zone, openingHours, people, areas, now);
  }
}

/** The extra members, created once in one insert; their password is random and never kept. */
async function ensurePeople(trx: Knex.Transaction, tenant: { id: string; subdomain: string }, bcryptCost: number): Promise<string[]> {
  const demoPeople = async () =>
    (await trx('users').where('member_id', 'like', `${DEMO_ID}%`).where({ active: true }).orderBy('member_id').pluck('id')) as string[];
  const existing = await demoPeople();
  if (existing.length) return existing;
  const hash = await bcrypt.hash(randomBytes(24).toString('base64'), bcryptCost);
  const rows = Array.from({ length: PEOPLE }, (_, i) => {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const username = `${first}.${last}`.toLowerCase() + (i >= FIRST.length * LAST.length ? String(i) : '');
    return {
      tenant_id: tenant.id, username, password_hash: hash, role: 'member', full_name: `${first} ${last}`,
      email: `${username}@members.${tenant.subdomain}.example`, member_id: `${DEMO_ID}${1001 + i}`,
    };
  });
  // A person who already took one of these usernames keeps it; that demo member is simply not made.
  await trx('users').insert(rows).onConflict(['tenant_id', 'username']).ignore();
  return demoPeople();
}

/** One day's visits: who comes, when (by the hour curve), for how long, and in which areas. */
export function planVisits(gym: string, date: string, zone: string, tenantHours: OpeningHours | null, people: string[], areas: Area[], now: Date): PlannedVisit[] {
  const hours = hoursOn(tenantHours, date);
  if (!hours) return [];
  const rand = random(`${gym}|visits|${date}`);
  const weekday = DateTime.fromISO(date, { zone }).weekday;
  const curve = weekday === 7 ? SUNDAY : weekday === 6 ? SATURDAY : WEEKDAY;
  const turnout = weekday === 7 ? TURNOUT.sunday : weekday === 6 ? TURNOUT.saturday : TURNOUT.weekday;
  // Luxon once per hour of the day (time zones, summer time); the rest is arithmetic on instants.
  const midnight = DateTime.fromISO(date, { zone });
  const hourStarts = Array.from({ length: 24 }, (_, h) => midnight.set({ hour: h }).toMillis());
  const open = DateTime.fromISO(`${date}T${hours.open}`, { zone }).toMillis();
  const close = hours.close === '24:00' ? midnight.plus({ days: 1 }).toMillis() : DateTime.fromISO(`${date}T${hours.close}`, { zone }).toMillis();
  const hoursOpen = hourStarts.flatMap((start, h) => (start + 3_600_000 > open && start < close && curve[h]! > 0 ? [h] : []));
  if (!hoursOpen.length) return [];

  const minute = 60_000;
  const planned: PlannedVisit[] = [];
  for (const person of people) {
    if (rand() >= turnout) continue;
    const hour = pick(rand, hoursOpen, (h) => curve[h]!);
    let at = Math.max(hourStarts[hour]! + Math.floor(rand() * 60) * minute, open + Math.floor(rand() * 20) * minute);
    // A session of one or two areas (weights, then a swim), 45 to 120 minutes each, out by closing time.
    const stops = rand() < 0.35 ? 2 : 1;
    let previous: string | null = null;
    for (let s = 0; s < stops && at < close && at < now.getTime(); s++) {
      const others = areas.filter((a) => a.id !== previous);
      const area = pick(rand, others.length ? others : areas, (a) => AREA_WEIGHT[a.name_en] ?? 0.5);
      previous = area.id;
      const out = Math.min(at + (45 + Math.floor(rand() * 75)) * minute, close);
      planned.push({
        user_id: person, area_id: area.id, checked_in_at: new Date(at).toISOString(),
        checked_out_at: out <= now.getTime() ? new Date(out).toISOString() : null,
      });
      at = out + 2 * minute;
    }
  }
  return planned;
}

/**
 * Inserts the planned visits not there yet (a person and a check-in time name a visit). Closed visits
 * are history; the open ones are the people inside now, kept within each area's free places, and only
 * for people not already inside somewhere (the one-open-visit index skips them).
 */
async function insertVisits(trx: Knex.Transaction, tenantId: string, visits: PlannedVisit[]): Promise<void> {
  await trx.raw(
    `insert into visits (tenant_id, user_id, gym_area_id, checked_in_at, checked_out_at, source)
     select ?, c.user_id, c.area_id, c.checked_in_at, c.checked_out_at, 'kiosk'
       from (select p.*, row_number() over (partition by p.area_id, p.checked_out_at is null order by p.checked_in_at desc) as nth
               from jsonb_to_recordset(?::jsonb) as p(user_id uuid, area_id uuid, checked_in_at timestamptz, checked_out_at timestamptz)
              where not exists (select 1 from visits v where v.user_id = p.user_id and v.checked_in_at = p.checked_in_at)) c
       join gym_areas a on a.id = c.area_id
      where c.checked_out_at is not null or c.nth <= a.capacity - a.current_users
     on conflict do nothing`,
    [tenantId, JSON.stringify(visits)],
  );
}

/**
 * One day's bookings of the demo members: each bookable area's coming slots filled by the hour curve,
 * one booking a person a day. A place someone really holds, or a person's own booking at that time,
 * makes the seeded booking give way (the exclusion constraints skip it).
 */
async function insertBookings(trx: Knex.Transaction, tenant: { id: string; subdomain: string }, date: string, zone: string, tenantHours: OpeningHours | null, people: string[], areas: Area[], now: Date): Promise<void> {
  const rand = random(`${tenant.subdomain}|bookings|${date}`);
  const weekday = DateTime.fromISO(date, { zone }).weekday;
  const curve = weekday === 7 ? SUNDAY : weekday === 6 ? SATURDAY : WEEKDAY;
  const free = [...people];
  const rows: Array<Record<string, unknown>> = [];
  for (const area of areas.filter((a) => a.is_bookable)) {
    const grid = buildSlotGrid({ date, zone, hours: area.opening_hours ?? tenantHours, slotMinutes: area.slot_minutes });
    for (const slot of grid) {
      if (slot.startsAt <= now) continue;
      const hour = DateTime.fromJSDate(slot.startsAt).setZone(zone).hour;
      const want = Math.round(area.booking_capacity * (curve[hour] ?? 0) * 0.7 * rand());
      for (let place = 1; place <= Math.min(want, area.booking_capacity) && free.length; place++) {
        const [person] = free.splice(Math.floor(rand() * free.length), 1);
        rows.push({
          user_id: person, area_id: area.id, start_time: slot.start, duration: area.slot_minutes, place,
          starts_at: slot.startsAt.toISOString(), ends_at: slot.endsAt.toISOString(),
          price_cents: priceFor(Number(area.price_per_hour_cents), area.slot_minutes),
        });
      }
    }
  }
  if (!rows.length) return;
  await trx.raw(
    `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
     select ?, c.user_id, c.area_id, ?::date, c.start_time, c.duration, c.starts_at, c.ends_at, c.place, c.price_cents, 'confirmed'
       from jsonb_to_recordset(?::jsonb) as c(user_id uuid, area_id uuid, start_time time, duration int, starts_at timestamptz,
                                               ends_at timestamptz, place int, price_cents bigint)
     on conflict do nothing`,
    [tenant.id, date, JSON.stringify(rows)],
  );
}
