/** Many members at once for the load tests: one insert, tokens signed directly (no login round trips). */
import { randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Config } from '../../../backend/src/config.js';
import type { UnitOfWork } from '../../../backend/src/db/unit-of-work.js';
import { signAccessToken } from '../../../backend/src/modules/auth/tokens.js';
import { toCents } from '../../../backend/src/contracts/money.js';

export interface Person {
  id: string;
  username: string;
  token: string;
}

/** Creates `count` active members (or another role) of a tenant with access tokens. */
export async function people(
  uow: UnitOfWork,
  jwt: Config['jwt'],
  tenantId: string,
  count: number,
  role: 'member' | 'trainer' | 'owner' = 'member',
): Promise<Person[]> {
  const hash = bcrypt.hashSync('secret123', 4);
  const tag = randomBytes(3).toString('hex');
  const rows = await uow.inTenant(tenantId, ({ trx }) =>
    trx('users')
      .insert(Array.from({ length: count }, (_, i) => ({ tenant_id: tenantId, username: `r${tag}-${i}`, password_hash: hash, role, locale: 'en' })))
      .returning(['id', 'username']),
  );
  return rows.map((r: { id: string; username: string }) => ({
    id: r.id,
    username: r.username,
    token: signAccessToken(jwt, { sub: r.id, tid: tenantId, role, usr: r.username, loc: 'en', fam: randomUUID() }).token,
  }));
}

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

/** An area open day and night, so any future slot can be booked. */
export async function openArea(
  uow: UnitOfWork,
  tenantId: string,
  options: { capacity?: number; booking_capacity?: number; slot_minutes?: number; price_per_hour?: number; name_en?: string } = {},
): Promise<{ id: string; capacity: number; booking_capacity: number }> {
  const [row] = await uow.inTenant(tenantId, ({ trx }) =>
    trx('gym_areas').insert({
      tenant_id: tenantId, name_en: options.name_en ?? `Area ${randomBytes(3).toString('hex')}`, name_el: 'Χώρος',
      capacity: options.capacity ?? 1000, booking_capacity: options.booking_capacity ?? 5, is_bookable: true,
      slot_minutes: options.slot_minutes ?? 60, price_per_hour_cents: toCents(options.price_per_hour ?? 10), opening_hours: JSON.stringify(ALL_DAY),
    }).returning(['id', 'capacity', 'booking_capacity']),
  );
  return row;
}

/** A local date `days` ahead in Europe/Athens (the demo tenants' zone). */
export function athensDay(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Athens', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + days * 86_400_000));
}
