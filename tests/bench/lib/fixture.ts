/**
 * Bench data written straight into a database as its owner: a tenant's extra areas (exclusive rooms,
 * 30-minute slots) and members, and the plan that spreads uncontended bookings over them so that no two
 * requests ever want the same slot or the same person at the same time.
 */
import pg from 'pg';

export const SLOT_MINUTES = 30;
/** 08:00–20:00: open on every day of the demo opening hours (Sunday is the shortest). */
export const SLOTS_PER_DAY = 24;
export const FIRST_SLOT_MINUTE = 8 * 60;
export const TIMEZONE = 'Europe/Athens';

/** A gym of its own on a scratch database (the pg baselines): its id. */
export async function addBenchGym(url: string): Promise<string> {
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    const { rows } = await owner.query<{ id: string }>(
      `insert into tenants (name, subdomain, subscription_plan, subscription_status, settings)
       values ('Bench Gym', 'bench', 'enterprise', 'active', $1) returning id`,
      [{ locale: 'en', timezone: TIMEZONE, currency: 'EUR' }],
    );
    return rows[0]!.id;
  } finally {
    await owner.end();
  }
}

export interface Fixture {
  tenantId: string;
  subdomain: string;
  areaIds: string[];
  members: Array<{ id: string; username: string }>;
  /** The contended room: one place per slot. */
  raceAreaId: string;
}

export const MEMBER_PASSWORD = 'bench-member-123';

/** Adds `areas` exclusive rooms (+1 for the race) and `members` members to a tenant. */
export async function addFixture(
  url: string,
  tenantId: string,
  options: { areas: number; members: number; passwordHash: string },
): Promise<Fixture> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: tenant } = await c.query<{ subdomain: string }>('select subdomain from tenants where id = $1', [tenantId]);
    const { rows: areas } = await c.query<{ id: string }>(
      `insert into gym_areas (tenant_id, name_en, name_el, capacity, is_bookable, booking_capacity, slot_minutes, price_per_hour_cents)
       select $1, 'Bench room ' || g, 'Αίθουσα δοκιμής ' || g, 1000, true, 1, $3, 0 from generate_series(1, $2) g
       returning id`,
      [tenantId, options.areas + 1, SLOT_MINUTES],
    );
    const { rows: members } = await c.query<{ id: string; username: string }>(
      `insert into users (tenant_id, username, password_hash, role, locale)
       select $1, 'bench-' || lpad(g::text, 5, '0'), $3, 'member', 'en' from generate_series(1, $2) g
       returning id, username`,
      [tenantId, options.members, options.passwordHash],
    );
    return { tenantId, subdomain: tenant[0]!.subdomain, areaIds: areas.slice(1).map((a) => a.id), raceAreaId: areas[0]!.id, members };
  } finally {
    await c.end();
  }
}

/** More gyms like `likeTenantId` (same settings), each with its own rooms and members. */
export async function addTenants(
  url: string,
  likeTenantId: string,
  options: { tenants: number; areas: number; members: number; passwordHash: string },
): Promise<Fixture[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let ids: string[];
  try {
    const { rows } = await c.query<{ id: string }>(
      `insert into tenants (name, subdomain, subscription_plan, subscription_status, settings)
       select 'Bench Gym ' || g, 'bench-' || g, 'enterprise', 'active', (select settings from tenants where id = $1)
         from generate_series(1, $2) g
       returning id`,
      [likeTenantId, options.tenants],
    );
    ids = rows.map((r) => r.id);
  } finally {
    await c.end();
  }
  const out: Fixture[] = [];
  for (const id of ids) out.push(await addFixture(url, id, options));
  return out;
}

/** A class for the release rush: one area with `capacity` places a slot, and members of its own to book it. */
export interface RushClass {
  areaId: string;
  capacity: number;
  members: Array<{ id: string; username: string }>;
}

/** Adds the rush's class area and `members` members (named apart from addFixture's) to a tenant. */
export async function addRushClass(
  url: string,
  tenantId: string,
  options: { capacity: number; members: number; passwordHash: string },
): Promise<RushClass> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: areas } = await c.query<{ id: string }>(
      `insert into gym_areas (tenant_id, name_en, name_el, capacity, is_bookable, booking_capacity, slot_minutes, price_per_hour_cents)
       values ($1, 'Bench class', 'Μάθημα δοκιμής', 1000, true, $2, $3, 0) returning id`,
      [tenantId, options.capacity, SLOT_MINUTES],
    );
    const { rows: members } = await c.query<{ id: string; username: string }>(
      `insert into users (tenant_id, username, password_hash, role, locale)
       select $1, 'rush-' || lpad(g::text, 5, '0'), $3, 'member', 'en' from generate_series(1, $2) g
       returning id, username`,
      [tenantId, options.members, options.passwordHash],
    );
    return { areaId: areas[0]!.id, capacity: options.capacity, members };
  } finally {
    await c.end();
  }
}

export interface PlannedBooking {
  areaId: string;
  memberIndex: number;
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM */
  time: string;
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * The j-th uncontended booking: area j mod A is booked by its own member, slot after slot, day after
 * day, starting at `firstDate`; distinct j never share an (area, slot) nor a (member, slot).
 */
export function plannedBooking(fixture: Fixture, firstDate: string, j: number): PlannedBooking {
  const a = fixture.areaIds.length;
  const areaIndex = j % a;
  const k = Math.floor(j / a);
  return {
    areaId: fixture.areaIds[areaIndex]!,
    memberIndex: areaIndex % fixture.members.length,
    date: addDays(firstDate, Math.floor(k / SLOTS_PER_DAY)),
    time: hhmm(FIRST_SLOT_MINUTE + (k % SLOTS_PER_DAY) * SLOT_MINUTES),
  };
}

/** The r-th contended slot: everyone races for it. */
export function raceSlot(firstDate: string, r: number): { date: string; time: string } {
  return { date: addDays(firstDate, Math.floor(r / SLOTS_PER_DAY)), time: hhmm(FIRST_SLOT_MINUTE + (r % SLOTS_PER_DAY) * SLOT_MINUTES) };
}

/** Confirmed bookings that overlap more of their area's bookings than it has places, or another of their user's. */
export async function overbookingCheck(url: string): Promise<{ confirmed: number; overbooked: number; doubleBooked: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ confirmed: number; overbooked: number; double_booked: number }>(`
      select
        (select count(*) from bookings where status = 'confirmed')::int as confirmed,
        (select count(*) from bookings b join gym_areas a on a.id = b.gym_area_id
          where b.status = 'confirmed'
            and (select count(*) from bookings o where o.gym_area_id = b.gym_area_id and o.status = 'confirmed'
                   and o.period @> b.starts_at) > a.booking_capacity)::int as overbooked,
        (select count(*) from bookings b where b.status = 'confirmed'
            and exists (select 1 from bookings o where o.user_id = b.user_id and o.id <> b.id
                          and o.status = 'confirmed' and o.period && b.period))::int as double_booked`);
    const r = rows[0]!;
    return { confirmed: r.confirmed, overbooked: r.overbooked, doubleBooked: r.double_booked };
  } finally {
    await c.end();
  }
}
