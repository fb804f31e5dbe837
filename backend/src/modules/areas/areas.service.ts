/** The owner's areas: create (within the plan), edit and delete, each announced as `areas:changed`. */
import type { Knex } from 'knex';
import type { Area as AreaView, AreasQuery, CreateAreaInput, UpdateAreaInput } from '../../contracts/areas.js';
import { fromCents, toCents } from '../../contracts/money.js';
import type { TenantAuth } from '../../http/auth-context.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { conflict, notFound } from '../../http/errors.js';
import type { Page } from '../../http/paging.js';
import { offerFreedPlaces } from '../waitlist/waitlist.offers.js';
import { rulesIn } from '../bookings/booking-rules.js';
import { Booking } from '../bookings/booking.model.js';
import { WorkoutSession } from '../workouts/workout-session.model.js';
import { occupancyPct } from '../gym-status/gym-status.service.js';
import { tenantCalendar } from '../slots/tenant-clock.js';
import { assertPlanAllows } from '../tenants/plan-limits.js';
import { recordOccupancy } from '../visits/occupancy.js';
import { Area } from './area.model.js';

const COLUMNS = ['id', 'name_en', 'name_el', 'capacity', 'current_users', 'is_bookable', 'booking_capacity', 'slot_minutes', 'price_per_hour_cents', 'opening_hours', 'max_booking_minutes', 'created_at'];

/** `currency`: the tenant's (tenant-clock.ts). */
export function areaView(row: Area, currency: string): AreaView {
  return {
    id: row.id,
    name_en: row.name_en,
    name_el: row.name_el,
    capacity: row.capacity,
    current_users: row.current_users,
    occupancy_pct: occupancyPct(row.current_users, row.capacity),
    is_bookable: row.is_bookable,
    booking_capacity: row.booking_capacity,
    slot_minutes: row.slot_minutes,
    price_per_hour: fromCents(row.price_per_hour_cents),
    currency,
    opening_hours: row.opening_hours ?? null,
    max_booking_minutes: row.max_booking_minutes ?? null,
    created_at: new Date(row.created_at).toISOString(),
  };
}

type Deps = { uow: UnitOfWork };
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');
const currencyIn = async (trx: Knex.Transaction, tenantId: string) => (await tenantCalendar(trx, tenantId)).currency;

/** The columns an area's input writes: the decimal price is stored in cents. */
function areaColumns(input: UpdateAreaInput): Partial<Area> {
  const { price_per_hour: price, ...rest } = input;
  const columns: Partial<Area> = { ...rest };
  if (price !== undefined) columns.price_per_hour_cents = toCents(price);
  return columns;
}

export function listAreas(deps: Deps, auth: TenantAuth, query: AreasQuery): Promise<Page<AreaView>> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(Area).select(COLUMNS);
    if (query.bookable !== undefined) q.where({ is_bookable: query.bookable });
    const page = await q.keysetPage(query, { column: 'name_en', type: 'text', direction: 'asc' });
    const currency = await currencyIn(scope.trx, auth.tenantId);
    return { items: page.items.map((row) => areaView(row, currency)), next: page.next };
  });
}

export function getArea(deps: Deps, auth: TenantAuth, id: string): Promise<AreaView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const row = await scope.query(Area).select(COLUMNS).findById(id);
    if (!row) throw notFound();
    return areaView(row, await currencyIn(scope.trx, auth.tenantId));
  });
}

export function createArea(deps: Deps, auth: TenantAuth, input: CreateAreaInput): Promise<{ area: AreaView }> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    await assertPlanAllows(scope, 'areas');
    const row = await scope.query(Area).insert(areaColumns(input)).returning(COLUMNS);
    const area = areaView(row, await currencyIn(scope.trx, auth.tenantId));
    scope.record('areas:changed', { area_id: area.id, change: 'created' });
    return { area };
  });
}

export function updateArea(deps: Deps, auth: TenantAuth, id: string, input: UpdateAreaInput): Promise<AreaView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const current = await scope.query(Area).select(COLUMNS).forUpdate().findById(id);
    if (!current) throw notFound();
    if (input.capacity !== undefined && input.capacity < current.current_users) {
      throw conflict('conflict', { field: 'capacity', current_users: current.current_users });
    }
    if (input.booking_capacity !== undefined && input.booking_capacity < current.booking_capacity) {
      // Places above the new capacity would stay booked beyond it: refuse while such bookings are ahead.
      const above = await scope.query(Booking).select('id').where({ gym_area_id: id, status: 'confirmed' })
        .where('place', '>', input.booking_capacity).where('ends_at', '>', Booking.fn.now()).first();
      if (above) throw conflict('conflict', { field: 'booking_capacity', reason: 'future_bookings_above' });
    }
    const [row] = await scope.query(Area).where({ id }).patch(areaColumns(input)).returning(COLUMNS);
    const area = areaView(row!, await currencyIn(scope.trx, auth.tenantId));
    if (input.capacity !== undefined && input.capacity !== current.capacity) await recordOccupancy(scope, [id]);
    if (input.booking_capacity !== undefined && input.booking_capacity > current.booking_capacity) {
      // New places go to the lines waiting for them first.
      const now = new Date();
      await offerFreedPlaces(scope, await rulesIn(scope), now, { areaId: id, from: now, to: FAR_FUTURE });
    }
    scope.record('areas:changed', { area_id: id, change: 'updated' });
    return area;
  });
}

/** Deleting an area with people in it or bookings ahead would erase them: refused with 409. */
export function deleteArea(deps: Deps, auth: TenantAuth, id: string): Promise<AreaView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const current = await scope.query(Area).select(COLUMNS).forUpdate().findById(id);
    if (!current) throw notFound();
    if (current.current_users > 0) throw conflict('conflict', { reason: 'people_inside', current_users: current.current_users });
    const ahead = await scope.query(Booking).where({ gym_area_id: id, status: 'confirmed' }).where('ends_at', '>', Booking.fn.now()).resultSize();
    if (ahead > 0) throw conflict('conflict', { reason: 'future_bookings', bookings: ahead });
    const active = await scope.query(WorkoutSession).select('id').where({ gym_area_id: id, status: 'active' }).first();
    if (active) throw conflict('conflict', { reason: 'active_workouts' });
    await scope.query(Area).deleteById(id);
    scope.record('areas:changed', { area_id: id, change: 'deleted' });
    return areaView(current, await currencyIn(scope.trx, auth.tenantId));
  });
}
