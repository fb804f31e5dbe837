/**
 * Check-in and check-out inside a caller's transaction. The visits trigger keeps
 * gym_areas.current_users equal to the open visits and its CHECK refuses a full area (409 area_full);
 * the unique open-visit index refuses a second check-in of one person (409 already_checked_in).
 * Concurrent check-ins serialize on the area row the trigger updates, so capacity holds under any load.
 */
import type { TenantScope } from '../../db/unit-of-work.js';
import { Area } from '../areas/area.model.js';
import { Visit } from './visit.model.js';
import type { Visit as VisitAnswer, VisitLogEntry, VisitSource } from '../../contracts/visits.js';

export type { VisitSource };

/** A visit as the API answers it: with the person when the query joined them (the log does). */
export type VisitView = VisitAnswer & Partial<Pick<VisitLogEntry, 'username' | 'full_name'>>;

export const VISIT_COLUMNS = ['id', 'user_id', 'gym_area_id', 'checked_in_at', 'checked_out_at', 'source'];

/** A visit row, with the person's names when the query joined them. */
export type VisitRow = Visit & { username?: string; full_name?: string | null };

export function visitView(row: VisitRow): VisitView {
  const view: VisitView = {
    id: row.id,
    user_id: row.user_id,
    area_id: row.gym_area_id,
    checked_in_at: new Date(row.checked_in_at).toISOString(),
    checked_out_at: row.checked_out_at ? new Date(row.checked_out_at).toISOString() : null,
    source: row.source,
  };
  if (row.username !== undefined) Object.assign(view, { username: row.username, full_name: row.full_name ?? null });
  return view;
}

export async function openVisitOf(scope: TenantScope, userId: string): Promise<Visit | undefined> {
  return scope.query(Visit).select(VISIT_COLUMNS).where({ user_id: userId }).whereNull('checked_out_at').forUpdate().first();
}

export async function checkIn(scope: TenantScope, input: { userId: string; areaId: string; source: VisitSource }): Promise<VisitView> {
  const row = await scope.query(Visit)
    .insert({ user_id: input.userId, gym_area_id: input.areaId, source: input.source })
    .returning(VISIT_COLUMNS);
  return visitView(row);
}

/** Closes an open visit; null when it was not open. */
export async function checkOut(scope: TenantScope, visitId: string, source?: VisitSource): Promise<VisitView | null> {
  const [row] = await scope.query(Visit).where({ id: visitId }).whereNull('checked_out_at')
    .patch({ checked_out_at: Visit.fn.now(), ...(source ? { source } : {}) })
    .returning(VISIT_COLUMNS);
  return row ? visitView(row) : null;
}

/**
 * Records an `occupancy` event per area with the values read back after the change. Call it last in
 * the transaction: recording locks the tenant's event counter until commit.
 */
export async function recordOccupancy(scope: TenantScope, areaIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(areaIds)];
  if (!ids.length) return;
  const areas = await scope.query(Area).whereIn('id', ids).select('id', 'current_users', 'capacity').orderBy('id');
  for (const a of areas) {
    scope.record('occupancy', { area_id: a.id, current_users: a.current_users, capacity: a.capacity });
  }
}
