/** Reading bookings: the caller's own, staff lists with filters, one by id. */
import type { TenantAuth } from '../../http/auth-context.js';
import { seesWholeGym } from '../../http/auth-context.js';
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import type { Page, PageQuery } from '../../http/paging.js';
import { BOOKING_COLUMNS, bookingView, type BookingRow, type BookingView } from './booking-view.js';
import { Booking } from './booking.model.js';
import { tenantCalendar } from '../slots/tenant-clock.js';
import type { BookingFilters } from '../../contracts/bookings.js';

type Filters = Partial<Omit<BookingFilters, 'limit' | 'cursor'>>;
type BookingQuery = ReturnType<typeof baseQuery>;

/** Bookings with their area's names (and, for staff, the person's). */
function baseQuery(scope: TenantScope, withPerson: boolean) {
  const q = scope.query(Booking)
    .joinRelated(withPerson ? '[area, user]' : 'area')
    .select(...BOOKING_COLUMNS, 'area.name_en as area_name_en', 'area.name_el as area_name_el');
  if (withPerson) q.select('user.username', 'user.full_name');
  return q;
}

async function views(scope: TenantScope, page: Page<Booking>): Promise<Page<BookingView>> {
  const { currency } = await tenantCalendar(scope.trx, scope.tenantId);
  return { items: page.items.map((row) => bookingView(row as BookingRow, currency)), next: page.next };
}

function applyFilters(q: BookingQuery, f: Filters): BookingQuery {
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
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    // A held place is an open waitlist offer, shown as such (GET /api/waitlist), not as a booking yet.
    const q = applyFilters(baseQuery(scope, false).where('bookings.user_id', auth.userId).whereNot('bookings.status', 'held'), { status: page.status, from: page.from, to: page.to });
    return views(scope, await q.keysetPage(page, { column: 'bookings.starts_at', type: 'timestamptz', direction: 'desc', id: 'bookings.id' }));
  });
}

/** Every booking of the tenant (staff), filtered, by start time. */
export function listBookings(deps: { uow: UnitOfWork }, auth: TenantAuth, query: BookingFilters): Promise<Page<BookingView>> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = applyFilters(baseQuery(scope, true), query);
    return views(scope, await q.keysetPage(query, { column: 'bookings.starts_at', type: 'timestamptz', direction: query.order, id: 'bookings.id' }));
  });
}

/** One booking: members see only their own (anyone else's is not found). */
export function getBooking(deps: { uow: UnitOfWork }, auth: TenantAuth, id: string): Promise<BookingView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const staff = seesWholeGym(auth);
    const q = baseQuery(scope, staff).where('bookings.id', id);
    if (!staff) q.where('bookings.user_id', auth.userId);
    const row = await q.first();
    if (!row) throw notFound();
    return bookingView(row, (await tenantCalendar(scope.trx, auth.tenantId)).currency);
  });
}
