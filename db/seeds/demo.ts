/**
 * Demo data of SPEC section 7. Idempotent: tenants and users are created once; bookings for today and
 * tomorrow (tenant time) are topped up on every run, so a demo started on any day has some.
 */
import bcrypt from 'bcrypt';
import type { Knex } from 'knex';
import type { Database } from '../../backend/src/db/database.js';
import type { UnitOfWork } from '../../backend/src/db/unit-of-work.js';

interface DemoArea {
  name_en: string;
  name_el: string;
  capacity: number;
  is_bookable: boolean;
  booking_capacity: number;
  slot_minutes: number;
  price_per_hour: number;
}

const AREAS: DemoArea[] = [
  { name_en: 'Weight Room', name_el: 'Αίθουσα Βαρών', capacity: 40, is_bookable: true, booking_capacity: 8, slot_minutes: 60, price_per_hour: 0 },
  { name_en: 'Yoga Studio', name_el: 'Στούντιο Γιόγκα', capacity: 20, is_bookable: true, booking_capacity: 12, slot_minutes: 60, price_per_hour: 8 },
  { name_en: 'Squash Court', name_el: 'Γήπεδο Σκουός', capacity: 4, is_bookable: true, booking_capacity: 1, slot_minutes: 30, price_per_hour: 16 },
  { name_en: 'Swimming Pool', name_el: 'Πισίνα', capacity: 30, is_bookable: true, booking_capacity: 6, slot_minutes: 45, price_per_hour: 10 },
  { name_en: 'Cardio Zone', name_el: 'Ζώνη Καρδιο', capacity: 25, is_bookable: false, booking_capacity: 1, slot_minutes: 60, price_per_hour: 0 },
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
}

export async function seedDemo({ db, uow, bcryptCost }: SeedDeps): Promise<{ created: string[] }> {
  const created: string[] = [];
  const hash = (password: string) => bcrypt.hash(password, bcryptCost);

  await uow.inPlatform(async (trx) => {
    const admin = await trx('users').whereNull('tenant_id').where({ username: 'admin' }).first();
    if (!admin) {
      await trx('users').insert({ tenant_id: null, username: 'admin', password_hash: await hash('admin123'), role: 'platform_admin', full_name: 'Platform Admin' });
      created.push('platform admin');
    }
  });

  for (const t of TENANTS) {
    let tenant = await db.knex('tenants').where({ subdomain: t.subdomain }).first();
    if (!tenant) {
      [tenant] = await db.knex('tenants').insert({
        name: t.name,
        subdomain: t.subdomain,
        subscription_plan: 'pro',
        subscription_status: 'active',
        settings: { locale: t.locale, timezone: 'Europe/Athens', currency: 'EUR', opening_hours: DEFAULT_OPENING_HOURS },
      }).returning('*');
      created.push(`tenant ${t.subdomain}`);
    }
    const tenantId: string = tenant.id;
    await uow.inTenant(tenantId, async ({ trx }) => {
      if (!(await trx('users').first())) {
        for (const u of USERS) {
          await trx('users').insert({
            tenant_id: tenantId, username: u.username, password_hash: await hash(u.password), role: u.role,
            full_name: u.full_name, email: `${u.username}@${t.subdomain}.example`, locale: t.locale,
            member_id: u.role === 'member' ? `M-${u.username.toUpperCase()}` : null,
          });
        }
        await trx('gym_areas').insert(AREAS.map((a) => ({ ...a, tenant_id: tenantId })));
        await trx('workout_programs').insert(PROGRAMS.map((p) => ({ ...p, exercises: JSON.stringify(p.exercises), tenant_id: tenantId })));
      }
      await topUpBookings(trx, tenantId);
    });
  }
  return { created };
}

/** Gives the demo members a booking today and tomorrow (tenant time) when they have none those days. */
async function topUpBookings(trx: Knex.Transaction, tenantId: string): Promise<void> {
  const { rows } = (await trx.raw(
    `select (now() at time zone coalesce(settings->>'timezone', 'UTC'))::date as today, settings->>'timezone' as tz
       from tenants where id = ?`,
    [tenantId],
  )) as { rows: Array<{ today: string; tz: string }> };
  const { today, tz } = rows[0]!;
  const members = await trx('users').where({ role: 'member' }).orderBy('username');
  const areas = await trx('gym_areas').where({ is_bookable: true }).orderBy('name_en');
  const plan = [
    { day: 0, time: '18:00', member: 0, area: 'Yoga Studio' },
    { day: 0, time: '19:00', member: 1, area: 'Squash Court' },
    { day: 1, time: '09:00', member: 0, area: 'Squash Court' },
    { day: 1, time: '10:00', member: 1, area: 'Weight Room' },
  ];
  for (const p of plan) {
    const member = members[p.member];
    const area = areas.find((a) => a.name_en === p.area);
    if (!member || !area) continue;
    const { rows: dates } = (await trx.raw('select (?::date + ?::int)::text as d', [today, p.day])) as { rows: Array<{ d: string }> };
    const date = dates[0]!.d;
    const exists = await trx('bookings').where({ user_id: member.id, booking_date: date }).first();
    if (exists) continue;
    const duration = area.slot_minutes;
    await trx.raw(
      `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price, status)
       select ?, ?, ?, ?::date, ?::time, ?, (?::date + ?::time) at time zone ?, (?::date + ?::time) at time zone ? + make_interval(mins => ?::int),
              coalesce((select max(place) from bookings b where b.gym_area_id = ? and b.status = 'confirmed'
                        and b.period && tstzrange((?::date + ?::time) at time zone ?, (?::date + ?::time) at time zone ? + make_interval(mins => ?::int))), 0) + 1,
              ?::numeric, 'confirmed'`,
      [
        tenantId, member.id, area.id, date, p.time, duration, date, p.time, tz, date, p.time, tz, duration,
        area.id, date, p.time, tz, date, p.time, tz, duration,
        Math.round(Number(area.price_per_hour) * duration * 100 / 60) / 100,
      ],
    );
  }
}
