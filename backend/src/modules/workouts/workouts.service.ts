/**
 * Workout sessions against a program. Starting checks the member into the area (a visit with source
 * 'workout'); completing checks out and adds to the member's stats in the same transaction, so the
 * stats, the visit and current_users can never disagree.
 */
import type { CompleteWorkoutInput, StartWorkoutInput, UserStats, WorkoutSession as SessionView, WorkoutsQuery } from '../../contracts/workouts.js';
import type { TenantAuth } from '../../http/auth-context.js';
import { STAFF } from '../../http/auth-context.js';
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { conflict, forbidden, notFound } from '../../http/errors.js';
import { raw } from 'objection';
import type { Page } from '../../http/paging.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';
import { Program } from '../programs/program.model.js';
import { addDays, localDate } from '../slots/slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { checkIn, checkOut, openVisitOf, recordOccupancy } from '../visits/occupancy.js';
import { WorkoutSession } from './workout-session.model.js';

export interface WorkoutDeps {
  uow: UnitOfWork;
  clock?: Clock;
}

const SESSION_COLUMNS = ['id', 'user_id', 'program_id', 'gym_area_id', 'start_time', 'end_time', 'calories', 'status'];
const minutesBetween = (a: Date, b: Date) => Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000));

export function sessionView(row: WorkoutSession): SessionView {
  const start = new Date(row.start_time);
  const end = row.end_time ? new Date(row.end_time) : null;
  return {
    id: row.id,
    user_id: row.user_id,
    program_id: row.program_id,
    area_id: row.gym_area_id ?? null,
    start_time: start.toISOString(),
    end_time: end ? end.toISOString() : null,
    duration_minutes: end ? minutesBetween(start, end) : null,
    calories: row.calories ?? null,
    status: row.status,
  };
}

export async function startWorkout(deps: WorkoutDeps, auth: TenantAuth, input: StartWorkoutInput): Promise<{ session: SessionView }> {
  const userId = auth.userId;
  if (!userId) throw forbidden();
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const program = await scope.query(Program).select('id').findById(input.program_id);
    if (!program) throw notFound({ field: 'program_id' });
    const active = await scope.query(WorkoutSession).select('id').where({ user_id: userId, status: 'active' }).first();
    if (active) throw conflict('workout_active', { session_id: active.id });

    const changed: string[] = [];
    if (input.area_id) {
      const area = await scope.query(Area).select('id').findById(input.area_id);
      if (!area) throw notFound({ field: 'area_id' });
      const open = await openVisitOf(scope, userId);
      // Already in this area (e.g. checked in at the desk): the workout happens inside that visit.
      if (open?.gym_area_id !== input.area_id) {
        if (open) {
          await checkOut(scope, open.id);
          changed.push(open.gym_area_id);
        }
        await checkIn(scope, { userId, areaId: input.area_id, source: 'workout' });
        changed.push(input.area_id);
      }
    }
    const row = await scope.query(WorkoutSession).insert({
      user_id: userId, program_id: program.id, gym_area_id: input.area_id ?? null, start_time: now,
    }).returning(SESSION_COLUMNS);
    const session = sessionView(row);
    await recordOccupancy(scope, changed);
    scope.record('workout:started', { area_id: session.area_id, session_id: session.id });
    return { session };
  });
}

/** Streak of consecutive local days: same day keeps it, the next day extends it, a gap restarts it. */
export function nextStreak(last: string | null, streak: number, today: string): number {
  if (last === today) return Math.max(streak, 1);
  if (last && addDays(last, 1) === today) return streak + 1;
  return 1;
}

/** The streak as of `today`: one that ended before yesterday is over. */
export function currentStreak(last: string | null, streak: number, today: string): number {
  return last && (last === today || addDays(last, 1) === today) ? streak : 0;
}

async function addToStats(scope: TenantScope, userId: string, minutes: number, calories: number, today: string): Promise<void> {
  const user = await scope.query(User).select('last_workout_date', 'current_streak').forUpdate().findById(userId);
  await scope.query(User).findById(userId).patch({
    workouts_completed: raw('workouts_completed + 1'),
    total_minutes: raw('total_minutes + ?', [minutes]),
    total_calories: raw('total_calories + ?', [calories]),
    current_streak: nextStreak(user?.last_workout_date ?? null, user?.current_streak ?? 0, today),
    last_workout_date: today,
  });
}

export async function completeWorkout(deps: WorkoutDeps, auth: TenantAuth, input: CompleteWorkoutInput): Promise<SessionView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const current = await scope.query(WorkoutSession).select(SESSION_COLUMNS).forUpdate().findById(input.session_id);
    if (!current || (!STAFF.includes(auth.role) && current.user_id !== auth.userId)) throw notFound();
    if (current.status !== 'active') throw conflict('conflict', { status: current.status });
    const program = await scope.query(Program).select('kcal_per_hour').findById(current.program_id);
    const end = now < new Date(current.start_time) ? new Date(current.start_time) : now;
    const minutes = minutesBetween(new Date(current.start_time), end);
    const calories = input.calories ?? Math.round(((program?.kcal_per_hour ?? 0) * minutes) / 60);
    const [row] = await scope.query(WorkoutSession).where({ id: current.id })
      .patch({ status: 'completed', end_time: end, calories })
      .returning(SESSION_COLUMNS);

    const changed: string[] = [];
    const open = await openVisitOf(scope, current.user_id);
    if (open && (!current.gym_area_id || open.gym_area_id === current.gym_area_id)) {
      await checkOut(scope, open.id);
      changed.push(open.gym_area_id);
    }
    const { zone } = await tenantCalendar(scope.trx, auth.tenantId);
    await addToStats(scope, current.user_id, minutes, calories, localDate(end, zone));
    const session = sessionView(row!);
    await recordOccupancy(scope, changed);
    scope.record('workout:completed', { area_id: session.area_id, session_id: session.id });
    return session;
  });
}

export async function userStats(deps: WorkoutDeps, auth: TenantAuth, userId: string): Promise<UserStats> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const user = await scope.query(User)
      .select('workouts_completed', 'total_minutes', 'total_calories', 'current_streak', 'last_workout_date').findById(userId);
    if (!user) throw notFound();
    const { zone } = await tenantCalendar(scope.trx, auth.tenantId);
    return {
      workouts_completed: user.workouts_completed,
      total_minutes: user.total_minutes,
      total_calories: user.total_calories,
      current_streak: currentStreak(user.last_workout_date, user.current_streak, localDate(now, zone)),
      last_workout_date: user.last_workout_date,
    };
  });
}

export async function listSessions(
  deps: WorkoutDeps,
  auth: TenantAuth,
  query: WorkoutsQuery,
): Promise<Page<SessionView>> {
  const staff = STAFF.includes(auth.role);
  const userId = query.user_id ?? auth.userId;
  if (!userId || (userId !== auth.userId && !staff)) throw forbidden();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(WorkoutSession).select(SESSION_COLUMNS).where({ user_id: userId });
    if (query.status) q.where({ status: query.status });
    const page = await q.keysetPage(query, { column: 'start_time', type: 'timestamptz', direction: 'desc' });
    return { items: page.items.map(sessionView), next: page.next };
  });
}
