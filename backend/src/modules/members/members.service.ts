/**
 * The people of a gym, for staff. Columns are always named: password_hash never leaves the database.
 * Trainers read everyone and manage members; owners manage everyone (but cannot lock themselves out).
 */
import type { Knex } from 'knex';
import type { TenantAuth } from '../../http/auth-context.js';
import type { TenantScope, UnitOfWork } from '../../db/unit-of-work.js';
import { BOOKING_COLUMNS, bookingEventView, bookingView } from '../bookings/booking-view.js';
import { Booking } from '../bookings/booking.model.js';
import { Tenant } from '../tenants/tenant.model.js';
import { WorkoutSession } from '../workouts/workout-session.model.js';
import { User } from './user.model.js';
import { liftBlock, rulesIn } from '../bookings/booking-rules.js';
import { WaitlistEntry } from '../waitlist/waitlist-entry.model.js';
import { offerFreedPlaces, releaseOffer } from '../waitlist/waitlist.offers.js';
import { checkOut, openVisitOf, recordOccupancy } from '../visits/occupancy.js';
import { forbidden, notFound, unprocessable } from '../../http/errors.js';
import type { Page } from '../../http/paging.js';
import { hashPassword } from '../auth/passwords.js';
import { recordAudit, type AuditAction } from '../audit/audit.service.js';
import { localDate } from '../slots/slot-grid.js';
import { systemClock, tenantCalendar, type Clock } from '../slots/tenant-clock.js';
import { assertPlanAllows } from '../tenants/plan-limits.js';
import { currentStreak } from '../workouts/workouts.service.js';
import type { CreateMemberInput, Member as MemberView, MembersQuery, UpdateMemberInput } from '../../contracts/members.js';

const COLUMNS = ['id', 'username', 'role', 'email', 'full_name', 'member_id', 'locale', 'active', 'created_at',
  'workouts_completed', 'total_minutes', 'total_calories', 'current_streak', 'last_workout_date', 'booking_blocked_until'];

function view(row: User, today: string): MemberView {
  return {
    id: row.id,
    username: row.username,
    role: row.role as MemberView['role'],
    email: row.email ?? null,
    full_name: row.full_name ?? null,
    member_id: row.member_id ?? null,
    locale: row.locale,
    active: row.active,
    created_at: new Date(row.created_at).toISOString(),
    booking_blocked_until: row.booking_blocked_until && row.booking_blocked_until > new Date() ? new Date(row.booking_blocked_until).toISOString() : null,
    stats: {
      workouts_completed: row.workouts_completed,
      total_minutes: row.total_minutes,
      total_calories: row.total_calories,
      current_streak: currentStreak(row.last_workout_date, row.current_streak, today),
      last_workout_date: row.last_workout_date ?? null,
    },
  };
}

export interface MemberDeps {
  uow: UnitOfWork;
  bcryptCost: number;
  clock?: Clock;
  /** Ends every login of a person (refresh tokens and access tokens), in the transaction that changes them. */
  revokeAccess?: (scope: TenantScope, userId: string) => Promise<void>;
}

const today = async (deps: { clock?: Clock }, trx: Parameters<typeof tenantCalendar>[0], tenantId: string) =>
  localDate((deps.clock ?? systemClock)(), (await tenantCalendar(trx, tenantId)).zone);

export function listMembers(deps: MemberDeps, auth: TenantAuth, query: MembersQuery): Promise<Page<MemberView>> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(User).select(COLUMNS);
    if (query.role) q.where({ role: query.role });
    if (query.active !== undefined) q.where({ active: query.active });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => {
        w.whereILike('username', like).orWhereILike('full_name', like).orWhereILike('email', like).orWhereILike('member_id', like);
      });
    }
    const page = await q.keysetPage(query, { column: 'username', type: 'text', direction: 'asc' });
    const day = await today(deps, scope.trx, auth.tenantId);
    return { items: page.items.map((r) => view(r, day)), next: page.next };
  });
}

/** Staff read anyone of the gym; a member only themselves (anyone else is not found). */
export function getMember(deps: MemberDeps, auth: TenantAuth, id: string): Promise<MemberView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    if (auth.role === 'member' && id !== auth.userId) throw notFound();
    const row = await scope.query(User).select(COLUMNS).findById(id);
    if (!row) throw notFound();
    return view(row, await today(deps, scope.trx, auth.tenantId));
  });
}

export async function createMember(deps: MemberDeps, auth: TenantAuth, input: CreateMemberInput): Promise<{ member: MemberView }> {
  if (auth.role !== 'owner' && input.role !== 'member') throw forbidden();
  // Hash before the transaction: bcrypt is slow and must not hold the plan lock.
  const passwordHash = await hashPassword(input.password, deps.bcryptCost);
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    if (input.role === 'member') await assertPlanAllows(scope, 'members');
    const tenant = await scope.query(Tenant).select('settings').findById(auth.tenantId);
    const locale = input.locale ?? (tenant?.settings.locale === 'el' ? 'el' : 'en');
    const { password: _password, ...fields } = input;
    const row = await scope.query(User)
      .insert({ ...fields, locale, password_hash: passwordHash })
      .returning(COLUMNS);
    return { member: view(row, await today(deps, scope.trx, auth.tenantId)) };
  });
}

export async function updateMember(deps: MemberDeps, auth: TenantAuth, id: string, input: UpdateMemberInput): Promise<MemberView> {
  const passwordHash = input.password ? await hashPassword(input.password, deps.bcryptCost) : undefined;
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const { trx } = scope;
    const current = await scope.query(User).select('id', 'role', 'active').forUpdate().findById(id);
    if (!current) throw notFound();
    // Who may set which field is declared on the route; here: trainers manage members, not staff.
    if (auth.role !== 'owner' && current.role !== 'member') throw forbidden();
    if (id === auth.userId && (input.active === false || (input.role !== undefined && input.role !== current.role))) {
      throw unprocessable('unprocessable', { reason: 'cannot_lock_yourself_out' });
    }
    const { password: _password, ...fields } = input;
    const changes: Partial<Pick<User, 'password_hash'>> & typeof fields = { ...fields };
    if (passwordHash) changes.password_hash = passwordHash;
    if (input.role === 'member' && current.role !== 'member') {
      // Making staff a member adds a member: the plan must allow it (counted before the row changes).
      await assertPlanAllows(scope, 'members');
    }
    const [row] = await scope.query(User).where({ id }).patch(changes).returning(COLUMNS);
    if (input.active === false && current.active) await releaseDeactivated(scope, id);
    // A deactivated person, a changed role or a password reset by staff must not keep old tokens working.
    // (Changing your own password keeps the login you are changing it from.)
    const roleChanged = input.role !== undefined && input.role !== current.role;
    const reset = passwordHash !== undefined && id !== auth.userId;
    if ((input.active === false && current.active) || roleChanged || reset) await deps.revokeAccess?.(scope, id);
    await auditMemberChange(trx, auth, id, { current, input, roleChanged, passwordSet: passwordHash !== undefined });
    return view(row!, await today(deps, trx, auth.tenantId));
  });
}

/** What of a change to a person the audit log keeps: roles, (de)activations, passwords set. */
async function auditMemberChange(
  trx: Knex.Transaction,
  auth: TenantAuth,
  id: string,
  change: { current: { role: string; active: boolean }; input: UpdateMemberInput; roleChanged: boolean; passwordSet: boolean },
): Promise<void> {
  const { current, input } = change;
  const entry = (action: AuditAction, details?: Record<string, unknown>) =>
    recordAudit(trx, { tenantId: auth.tenantId, actor: auth, action, target: { type: 'user', id }, details });
  if (change.roleChanged) await entry('member.role_changed', { from: current.role, to: input.role });
  if (input.active === false && current.active) await entry('member.deactivated');
  if (input.active === true && !current.active) await entry('member.reactivated');
  if (change.passwordSet) await entry(id === auth.userId ? 'member.password_changed' : 'member.password_reset');
}

/**
 * A deactivated person gives back what they hold: future bookings are cancelled (freeing the slots for
 * their waitlists), their places in waitlists are given up (an open offer passes on), an open visit is
 * closed and an active workout abandoned; everyone sees it through the events.
 */
async function releaseDeactivated(scope: TenantScope, userId: string): Promise<void> {
  const cancelled = await scope.query(Booking).where({ user_id: userId, status: 'confirmed' }).where('starts_at', '>', Booking.fn.now())
    .patch({ status: 'cancelled', cancelled_at: Booking.fn.now() })
    .returning(BOOKING_COLUMNS);
  await scope.query(WorkoutSession).where({ user_id: userId, status: 'active' }).patch({ status: 'abandoned', end_time: WorkoutSession.fn.now() });
  const open = await openVisitOf(scope, userId);
  if (open) await checkOut(scope, open.id);
  if (open) await recordOccupancy(scope, [open.gym_area_id]);
  const { currency } = await tenantCalendar(scope.trx, scope.tenantId);
  for (const row of cancelled) {
    const booking = bookingView(row, currency);
    scope.record('booking:cancelled', { booking: bookingEventView(booking) });
    scope.record('slots:changed', { area_id: booking.area_id, date: booking.date });
  }
  const rules = await rulesIn(scope);
  const now = new Date();
  // Their own lines first, so the places they free never go back to them.
  for (const entry of await scope.query(WaitlistEntry).select('id').where({ user_id: userId }).whereIn('status', ['waiting', 'offered'])) {
    await releaseOffer(scope, rules, now, entry.id, userId, 'left');
  }
  for (const row of cancelled) await offerFreedPlaces(scope, rules, now, { areaId: row.gym_area_id, from: new Date(row.starts_at), to: new Date(row.ends_at) });
}

/** Removing a person deactivates them (their history stays); owners only. */
export function deactivateMember(deps: MemberDeps, auth: TenantAuth, id: string): Promise<MemberView> {
  return updateMember(deps, auth, id, { active: false });
}

/** Staff lift a member's booking block (the no-show rule); the misses before it stop counting. */
export function liftBookingBlock(deps: MemberDeps, auth: TenantAuth, id: string): Promise<MemberView> {
  const now = (deps.clock ?? systemClock)();
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    await liftBlock(scope, id, now);
    const row = await scope.query(User).select(COLUMNS).findById(id);
    if (!row) throw notFound();
    return view(row, await today(deps, scope.trx, auth.tenantId));
  });
}
