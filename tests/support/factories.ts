/** Factories for test data, written through the same tenant-scoped unit of work as the product. */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { toCents } from '../../backend/src/contracts/money.js';
import type { Database } from '../../backend/src/db/database.js';
import type { UnitOfWork } from '../../backend/src/db/unit-of-work.js';

const suffix = () => randomBytes(4).toString('hex');
/** Open around the clock, so tests may book at any hour. */
const ALL_WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

export interface Factories {
  tenant(overrides?: Partial<{ name: string; subdomain: string; subscription_plan: string; subscription_status: string; settings: object }>): Promise<{ id: string; subdomain: string }>;
  user(tenantId: string, overrides?: Partial<{ username: string; password: string; role: string; locale: string }>): Promise<{ id: string; username: string; password: string }>;
  area(tenantId: string, overrides?: Partial<{ name_en: string; capacity: number; booking_capacity: number; is_bookable: boolean; slot_minutes: number; /** decimal */ price_per_hour: number }>): Promise<{ id: string; capacity: number; booking_capacity: number }>;
  program(tenantId: string): Promise<{ id: string }>;
}

export function factories(db: Database, uow: UnitOfWork): Factories {
  return {
    async tenant(overrides = {}) {
      const subdomain = overrides.subdomain ?? `gym-${suffix()}`;
      // Gyms are platform rows: only the platform scope may create one that is not its own tenant.
      const [row] = await uow.inPlatform((trx) => trx('tenants').insert({
        name: overrides.name ?? `Gym ${subdomain}`,
        subdomain,
        subscription_plan: overrides.subscription_plan ?? 'pro',
        subscription_status: overrides.subscription_status ?? 'active',
        settings: overrides.settings ?? { locale: 'en', timezone: 'Europe/Athens', currency: 'EUR', opening_hours: ALL_WEEK },
      }).returning(['id', 'subdomain']));
      return row;
    },
    async user(tenantId, overrides = {}) {
      const username = overrides.username ?? `user-${suffix()}`;
      const password = overrides.password ?? 'secret123';
      const [row] = await uow.inTenant(tenantId, ({ trx }) =>
        trx('users').insert({
          tenant_id: tenantId, username, password_hash: bcrypt.hashSync(password, 4),
          role: overrides.role ?? 'member', locale: overrides.locale ?? 'en',
        }).returning(['id', 'username']),
      );
      return { ...row, password };
    },
    async area(tenantId, overrides = {}) {
      const [row] = await uow.inTenant(tenantId, ({ trx }) =>
        trx('gym_areas').insert({
          tenant_id: tenantId, name_en: overrides.name_en ?? `Area ${suffix()}`, name_el: 'Χώρος',
          capacity: overrides.capacity ?? 10, booking_capacity: overrides.booking_capacity ?? 2,
          is_bookable: overrides.is_bookable ?? true, slot_minutes: overrides.slot_minutes ?? 60,
          price_per_hour_cents: toCents(overrides.price_per_hour ?? 10),
        }).returning(['id', 'capacity', 'booking_capacity']),
      );
      return row;
    },
    async program(tenantId) {
      const [row] = await uow.inTenant(tenantId, ({ trx }) =>
        trx('workout_programs').insert({
          tenant_id: tenantId, name_en: 'Program', name_el: 'Πρόγραμμα', difficulty: 'beginner',
          exercises: JSON.stringify([{ name_en: 'Squats', name_el: 'Καθίσματα', sets: 3, reps: 10 }]),
          est_minutes: 30, kcal_per_hour: 400,
        }).returning(['id']),
      );
      return row;
    },
  };
}
