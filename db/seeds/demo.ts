/**
 * The demo data of docs/demo-data.md. Idempotent: tenants and users are created once; bookings for today and
 * tomorrow (tenant time) are topped up on every run, so a demo started on any day has some; with
 * `activity`, demo-activity.ts adds the visits and bookings that make it look alive.
 */
import bcrypt from 'bcrypt';
import type { Knex } from 'knex';
import type { Database } from '../../backend/src/db/database.js';
import type { UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { priceFor } from '../../backend/src/contracts/money.js';
import { addDays, buildSlotGrid, localDate, pickSlots } from '../../backend/src/modules/slots/slot-grid.js';
import { calendarOf } from '../../backend/src/modules/slots/tenant-clock.js';
import { scopedQuery } from '../../backend/src/db/model.js';
import { Area } from '../../backend/src/modules/areas/area.model.js';
import { User } from '../../backend/src/modules/members/user.model.js';
import { Tenant } from '../../backend/src/modules/tenants/tenant.model.js';
import { seedActivity } from './demo-activity.js';

interface DemoArea {
  name_en: string;
  name_el: string;
  capacity: number;
  is_bookable: boolean;
  booking_capacity: number;
  slot_minutes: number;
  price_per_hour_cents: number;
}

const AREAS: DemoArea[] = [
  { name_en: 'Weight Room', name_el: 'Αίθουσα Βαρών', capacity: 40, is_bookable: true, booking_capacity: 8, slot_minutes: 60, price_per_hour_cents: 0 },
  { name_en: 'Yoga Studio', name_el: 'Στούντιο Γιόγκα', capacity: 20, is_bookable: true, booking_capacity: 12, slot_minutes: 60, price_per_hour_cents: 800 },
  { name_en: 'Squash Court', name_el: 'Γήπεδο Σκουός', capacity: 4, is_bookable: true, booking_capacity: 1, slot_minutes: 30, price_per_hour_cents: 1600 },
  { name_en: 'Swimming Pool', name_el: 'Πισίνα', capacity: 30, is_bookable: true, booking_capacity: 6, slot_minutes: 45, price_per_hour_cents: 1000 },
  { name_en: 'Cardio Zone', name_el: 'Ζώνη Καρδιο', capacity: 25, is_bookable: false, booking_capacity: 1, slot_minutes: 60, price_per_hour_cents: 0 },
];

const PROGRAMS = [
  {
    name_en: 'Full Body Starter', name_el: 'Ολόσωμο για Αρχάριους', difficulty: 'beginner', est_minutes: 40, kcal_per_hour: 300,
    exercises: [
      { name_en: 'Squats', name_el: 'Καθίσματα', sets: 3, reps: 12 },
      { name_en: 'Push-ups', name_el: 'Κάμψεις', sets: 3, reps: 10 },
      { name_en: 'Plank', name_el: 'Σανίδα', sets: 3, seconds: 30 },
    ],
  },
  {
    name_en: 'Strength Builder', name_el: 'Ενδυνάμωση', difficulty: 'intermediate', est_minutes: 60, kcal_per_hour: 420,
    exercises: [
      { name_en: 'Deadlift', name_el: 'Άρση θανάτου', sets: 5, reps: 5 },
      { name_en: 'Bench press', name_el: 'Πιέσεις πάγκου', sets: 5, reps: 5 },
      { name_en: 'Pull-ups', name_el: 'Έλξεις', sets: 4, reps: 8 },
    ],
  },
  {
    name_en: 'HIIT Burn', name_el: 'Διαλειμματική Καύση', difficulty: 'advanced', est_minutes: 30, kcal_per_hour: 700,
    exercises: [
      { name_en: 'Burpees', name_el: 'Μπέρπις', sets: 5, seconds: 40 },
      { name_en: 'Sprints', name_el: 'Σπριντ', sets: 8, seconds: 20 },
      { name_en: 'Jump rope', name_el: 'Σχοινάκι', sets: 5, seconds: 60 },
    ],
  },
];

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const DEFAULT_OPENING_HOURS = Object.fromEntries(
  WEEK.map((d) => [d, d === 'sun' ? { open: '08:00', close: '20:00' } : { open: '06:00', close: '23:00' }]),
);

const TENANTS = [
  { subdomain: 'demo', name: 'Demo Gym', locale: 'en' },
  { subdomain: 'olympia', name: 'Olympia Fitness', locale: 'el' },
] as const;

const USERS = [
  { username: 'owner', password: 'owner123', role: 'owner', full_name: 'Olga Owner' },
  { username: 'trainer', password: 'trainer123', role: 'trainer', full_name: 'Theo Trainer' },
  { username: 'member', password: 'member123', role: 'member', full_name: 'Maria Member' },
  { username: 'member2', password: 'member123', role: 'member', full_name: 'Manos Member' },
] as const;

export interface SeedDeps {
  db: Database;
  uow: UnitOfWork;
  bcryptCost: number;
  /** Also the lively part (demo-activity.ts): weeks of visits, people inside now, the coming week's bookings. */
  activity?: boolean;
  now?: Date;
}

export async function seedDemo({ uow, bcryptCost, activity = false, now = new Date() }: SeedDeps): Promise<{ created: string[] }> {
  const created: string[] = [];
  const hash = (password: string) => bcrypt.hash(password, bcryptCost);

  await uow.inPlatform(async (trx) => {
    const admin = await User.query(trx).whereNull('tenant_id').where({ username: 'admin' }).first();
    if (!admin) {
      await trx('users').insert({ tenant_id: null, username: 'admin', password_hash: await hash('admin123'), role: 'platform_admin', full_name: 'Platform Admin' });
      created.push('platform admin');
    }
  });

  for (const t of TENANTS) {
    // Gyms are platform rows (row-level security): found and opened in the platform scope.
    const tenant = await uow.inPlatform(async (trx) => {
      const found = await Tenant.query(trx).where({ subdomain: t.subdomain }).first();
      if (found) return found;
      const row = await Tenant.query(trx).insert({
        name: t.name,
        subdomain: t.subdomain,
        subscription_plan: 'pro',
        subscription_status: 'active',
        settings: { locale: t.locale, timezone: 'Europe/Athens', currency: 'EUR', opening_hours: DEFAULT_OPENING_HOURS },
      }).returning('*');
      created.push(`tenant ${t.subdomain}`);
      return row;
    });
    const tenantId = tenant.id;
    await uow.inTenant(tenantId, async ({ trx, query }) => {
      if (!(await query(User).first())) {
        // bcrypt runs on libuv's thread pool: hashing side by side takes a quarter of the time.
        const hashes = await Promise.all(USERS.map((u) => hash(u.password)));
        await trx('users').insert(USERS.map((u, i) => ({
          tenant_id: tenantId, username: u.username, password_hash: hashes[i], role: u.role,
          full_name: u.full_name, email: `${u.username}@${t.subdomain}.example`, locale: t.locale,
          member_id: u.role === 'member' ? `M-${u.username.toUpperCase()}` : null,
        })));
        await trx('gym_areas').insert(AREAS.map((a) => ({ ...a, tenant_id: tenantId })));
        await trx('workout_programs').insert(PROGRAMS.map((p) => ({ ...p, exercises: JSON.stringify(p.exercises), tenant_id: tenantId })));
      }
      await topUpBookings(trx, tenantId, tenant.settings, now);
      if (activity) await seedActivity(trx, { id: tenantId, subdomain: t.subdomain, settings: tenant.settings }, bcryptCost, now);
    });
  }
  return { created };
}

/**
 * Gives the demo members a booking today and tomorrow (tenant time) when they have none those
 * days, on the lowest free place of the slot; a slot with no free place, or a member already booked at
 * that time, is left alone (people may have booked anything since the last start).
 */
async function topUpBookings(trx: Knex.Transaction, tenantId: string, settings: Record<string, unknown>, now: Date): Promise<void> {
  const { zone, openingHours } = calendarOf(settings);
  const today = localDate(now, zone);
  const members = await scopedQuery(User, trx, tenantId).whereIn('username', ['member', 'member2']).where({ role: 'member' });
  const areas = await scopedQuery(Area, trx, tenantId).where({ is_bookable: true });
  const plan = [
    { day: 0, time: '18:00', member: 'member', area: 'Yoga Studio' },
    { day: 0, time: '19:00', member: 'member2', area: 'Squash Court' },
    { day: 1, time: '09:00', member: 'member', area: 'Squash Court' },
    { day: 1, time: '10:00', member: 'member2', area: 'Weight Room' },
  ];
  for (const p of plan) {
    const member = members.find((m) => m.username === p.member);
    const area = areas.find((a) => a.name_en === p.area);
    if (!member || !area) continue;
    const date = addDays(today, p.day);
    if (await trx('bookings').where({ user_id: member.id, booking_date: date }).first()) continue;
    const grid = buildSlotGrid({ date, zone, hours: area.opening_hours ?? openingHours, slotMinutes: area.slot_minutes });
    const slot = pickSlots(grid, p.time, area.slot_minutes);
    if (!slot.ok) continue;
    await trx.raw(
      `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
       select ?, ?, a.id, ?::date, ?::time, ?, ?, ?, free.place, ?, 'confirmed'
         from gym_areas a
         cross join lateral (select min(g) as place from generate_series(1, a.booking_capacity) g
                              where not exists (select 1 from bookings b where b.gym_area_id = a.id and b.place = g
                                                  and b.status in ('confirmed', 'held') and b.period && tstzrange(?, ?, '[)'))) free
        where a.id = ? and free.place is not null
       on conflict do nothing`,
      [tenantId, member.id, date, p.time, area.slot_minutes, slot.startsAt, slot.endsAt,
        priceFor(area.price_per_hour_cents, area.slot_minutes), slot.startsAt, slot.endsAt, area.id],
    );
  }
}
