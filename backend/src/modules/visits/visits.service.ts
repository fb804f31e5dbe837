/** Staff and kiosk check-in/out, the visit log, and the expiry of visits left open. */
import type { TenantAuth } from '../../http/auth-context.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import type { Page } from '../../http/paging.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';
import { tenantCalendar } from '../slots/tenant-clock.js';
import { checkIn, checkOut, openVisitOf, recordOccupancy, visitView, type VisitRow, type VisitView } from './occupancy.js';
import { Visit } from './visit.model.js';
import type { CheckInInput, VisitsQuery } from '../../contracts/visits.js';

export interface VisitDeps {
  uow: UnitOfWork;
}

export async function staffCheckIn(
  deps: VisitDeps,
  auth: TenantAuth,
  input: CheckInInput,
): Promise<{ visit: VisitView }> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const person = await scope.query(User).select('id').where({ id: input.user_id, active: true }).first();
    if (!person) throw notFound({ field: 'user_id' });
    const area = await scope.query(Area).select('id').findById(input.area_id);
    if (!area) throw notFound({ field: 'area_id' });
    const open = await openVisitOf(scope, input.user_id);
    if (open) throw conflict('already_checked_in', { visit_id: open.id, area_id: open.gym_area_id });
    const visit = await checkIn(scope, { userId: input.user_id, areaId: input.area_id, source: input.source });
    await recordOccupancy(scope, [visit.area_id]);
    return { visit };
  });
}

const notCheckedIn = () => new AppError(409, 'not_checked_in');

export async function checkOutVisit(deps: VisitDeps, auth: TenantAuth, visitId: string): Promise<VisitView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const visit = await scope.query(Visit).select('id', 'checked_out_at').forUpdate().findById(visitId);
    if (!visit) throw notFound();
    if (visit.checked_out_at) throw notCheckedIn();
    const closed = await checkOut(scope, visitId);
    if (!closed) throw notCheckedIn();
    await recordOccupancy(scope, [closed.area_id]);
    return closed;
  });
}

export async function checkOutUser(deps: VisitDeps, auth: TenantAuth, userId: string): Promise<VisitView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const open = await openVisitOf(scope, userId);
    if (!open) {
      const person = await scope.query(User).select('id').findById(userId);
      throw person ? notCheckedIn() : notFound({ field: 'user_id' });
    }
    const closed = (await checkOut(scope, open.id))!;
    await recordOccupancy(scope, [closed.area_id]);
    return closed;
  });
}

export async function listVisits(deps: VisitDeps, auth: TenantAuth, query: VisitsQuery): Promise<Page<VisitView>> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(Visit).joinRelated('user')
      .select('visits.id', 'visits.user_id', 'visits.gym_area_id', 'visits.checked_in_at', 'visits.checked_out_at', 'visits.source', 'user.username', 'user.full_name');
    if (query.area_id) q.where('visits.gym_area_id', query.area_id);
    if (query.user_id) q.where('visits.user_id', query.user_id);
    if (query.open === true) q.whereNull('visits.checked_out_at');
    if (query.open === false) q.whereNotNull('visits.checked_out_at');
    if (query.from || query.to) {
      const { zone } = await tenantCalendar(scope.trx, auth.tenantId);
      if (query.from) q.whereRaw('visits.checked_in_at >= (?::date)::timestamp at time zone ?', [query.from, zone]);
      if (query.to) q.whereRaw('visits.checked_in_at < (?::date + 1)::timestamp at time zone ?', [query.to, zone]);
    }
    const page = await q.keysetPage(query, { column: 'visits.checked_in_at', type: 'timestamptz', direction: 'desc', id: 'visits.id' });
    return { items: page.items.map((row) => visitView(row as VisitRow)), next: page.next };
  });
}
