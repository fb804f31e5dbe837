/** Reading bookings: the caller's own, staff lists with filters, one by id. */
import type { Knex } from 'knex';
import type { TenantAuth } from '../../http/auth-context.js';
import { STAFF } from '../../http/auth-context.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import { keysetPage, type Page, type PageQuery } from '../../http/paging.js';
import { tenantCalendar } from '../slots/tenant-clock.js';
import { BOOKING_COLUMNS, bookingView, type BookingView } from './booking-view.js';
import type { BookingFilters } from './bookings.schema.js';

type Filters = Partial<Omit<BookingFilters, 'limit' | 'cursor'>>;

function baseQuery(trx: Knex.Transaction, withPerson: boolean): Knex.QueryBuilder {
  const q = trx('bookings')
    .join('gym_areas', 'gym_areas.id', 'bookings.gym_area_id')
    .select(...BOOKING_COLUMNS, 'gym_areas.name_en as area_name_en', 'gym_areas.name_el as area_name_el');
  if (withPerson) q.join('users', 'users.id', 'bookings.user_id').select('users.username', 'users.full_name');
  return q;
}

function applyFilters(q: Knex.QueryBuilder, f: Filters): Knex.QueryBuilder {
  if (f.status) q.where('bookings.status', f.status);
  if (f.area_id) q.where('bookings.gym_area_id', f.area_id);
  if (f.user_id) q.where('bookings.user_id', f.user_id);
  if (f.date) q.where('bookings.booking_date', f.date);
  if (f.from) q.where('bookings.booking_date', '>=', f.from);
  if (f.to) q.where('bookings.booking_date', '<=', f.to);
  return q;
}

/** The caller's bookings, newest (latest start) first. */
export function userBookings(deps: { uow: UnitOfWork }, auth: TenantAuth, page: PageQuery & Filters): Promise<Page<BookingView>> {
  return deps.uow.inTenant(auth.tenantId, async ({ trx }) => {
    const q = applyFilters(baseQuery(trx, false).where('bookings.user_id', auth.userId), { status: page.status, from: page.from, to: page.to });
    const result = await keysetPage(trx, q, page, { column: 'bookings.starts_at', type: 'timestamptz', direction: 'desc', id: 'bookings.id' });
    const { currency } = await tenantCalendar(trx, auth.tenantId);
    return { items: result.items.map((row) => bookingView(row, currency)), next: result.next };
  });
}

/** Every booking of the tenant (staff), filtered, by start time. */
export function listBookings(deps: { uow: UnitOfWork }, auth: TenantAuth, query: BookingFilters): Promise<Page<BookingView>> {
  return deps.uow.inTenant(auth.tenantId, async ({ trx }) => {
    const q = applyFilters(baseQuery(trx, true), query);
    const result = await keysetPage(trx, q, query, { column: 'bookings.starts_at', type: 'timestamptz', direction: query.order, id: 'bookings.id' });
    const { currency } = await tenantCalendar(trx, auth.tenantId);
    return { items: result.items.map((row) => bookingView(row, currency)), next: result.next };
  });
}

/** One booking: members see only their own (anyone else's is not found). */
export function getBooking(deps: { uow: UnitOfWork }, auth: TenantAuth, id: string): Promise<BookingView> {
  return deps.uow.inTenant(auth.tenantId, async ({ trx }) => {
    const staff = STAFF.includes(auth.role);
    const q = baseQuery(trx, staff).where('bookings.id', id);
    if (!staff) q.where('bookings.user_id', auth.userId);
    const row = await q.first();
    if (!row) throw notFound();
    return bookingView(row, (await tenantCalendar(trx, auth.tenantId)).currency);
  });
}
