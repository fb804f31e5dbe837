/**
 * The platform admin's view of tenants: subscription and counts only. Counts are taken inside each
 * tenant's own scope (row-level security stays on); nobody's rows leave it.
 */
import type { AppDeps } from '../../deps.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { TenantRecord } from './tenant-directory.js';
import { announceRevocation } from '../auth/revocations.js';
import { recordAudit, type AuditAction, type AuditEntry } from '../audit/audit.service.js';
import { Area } from '../areas/area.model.js';
import { Booking } from '../bookings/booking.model.js';
import { User } from '../members/user.model.js';
import { Visit } from '../visits/visit.model.js';
import { Tenant } from './tenant.model.js';
import { DEFAULT_SETTINGS, signup, tenantView } from './tenants.service.js';
import type { PlatformCreateBody, PlatformListQuery, PlatformPatchBody, PlatformTenant } from '../../contracts/tenants.js';

async function withCounts(deps: AppDeps, t: TenantRecord): Promise<PlatformTenant> {
  const timezone = t.settings.timezone || DEFAULT_SETTINGS.timezone;
  const counts = await deps.uow.inTenant(t.id, async (scope) => {
    const roles = (await scope.query(User).select('role').count({ n: '*' }).groupBy('role')) as unknown as Array<{ role: string; n: number }>;
    const areas = await scope.query(Area).resultSize();
    const bookings = await scope.query(Booking).where({ status: 'confirmed' }).resultSize();
    const month = await scope.query(Booking)
      .whereNot({ status: 'cancelled' })
      .whereRaw("booking_date >= date_trunc('month', now() AT TIME ZONE ?)::date", [timezone])
      .resultSize();
    const inside = await scope.query(Visit).whereNull('checked_out_at').resultSize();
    const users = { owner: 0, trainer: 0, member: 0 };
    for (const r of roles) if (r.role in users) users[r.role as keyof typeof users] = r.n;
    return { users, members: users.member, areas, bookings, bookings_this_month: month, people_in: inside };
  });
  const { settings: _settings, ...view } = tenantView(t);
  return { ...view, timezone, counts };
}

const SUBDOMAIN = /^[a-z0-9-]{1,63}$/;
const encode = (t: TenantRecord) => Buffer.from(JSON.stringify([t.subdomain])).toString('base64url');
function decode(cursor: string): string {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' && SUBDOMAIN.test(v[0])) return v[0];
  } catch { /* answered below */ }
  throw badRequest('invalid_input', [{ path: ['cursor'], code: 'invalid_format', message: 'Invalid cursor' }]);
}

/** Tenants by subdomain (unique, so pages never skip or repeat), a page at a time; `next` is the following page's cursor. */
export async function listTenants(
  deps: AppDeps,
  page: PlatformListQuery,
): Promise<{ items: PlatformTenant[]; next: string | null }> {
  const rows = await deps.uow.inPlatform(async (trx) => {
    const q = Tenant.query(trx).orderBy('subdomain').limit(page.limit + 1);
    if (page.status) q.where({ subscription_status: page.status });
    if (page.q) {
      const like = `%${page.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => {
        w.whereILike('name', like).orWhereILike('subdomain', like);
      });
    }
    if (page.cursor) q.where('subdomain', '>', decode(page.cursor));
    return await q;
  });
  const more = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  const items: PlatformTenant[] = [];
  for (const t of pageRows) items.push(await withCounts(deps, t));
  return { items, next: more ? encode(pageRows[pageRows.length - 1]!) : null };
}

export async function getPlatformTenant(deps: AppDeps, id: string): Promise<PlatformTenant> {
  const t = await deps.uow.inPlatform(async (trx) => await Tenant.query(trx).findById(id));
  if (!t) throw notFound();
  return withCounts(deps, t);
}

/** Suspends, reactivates or re-plans a tenant; its users feel it at once, open sockets included. */
export async function updatePlatformTenant(deps: AppDeps, id: string, patch: PlatformPatchBody, actor: AuditEntry['actor']): Promise<PlatformTenant> {
  const changes: Record<string, unknown> = {};
  if (patch.subscription_status !== undefined) changes.subscription_status = patch.subscription_status;
  if (patch.subscription_plan !== undefined) changes.subscription_plan = patch.subscription_plan;
  if (patch.trial_ends_at !== undefined) changes.trial_ends_at = patch.trial_ends_at === null ? null : new Date(patch.trial_ends_at);
  const updated = await deps.uow.inPlatform(async (trx) => {
    const before = await Tenant.query(trx).select('subscription_plan', 'subscription_status').forUpdate().findById(id);
    if (!before) return false;
    await Tenant.query(trx).findById(id).patch(changes);
    // Platform actions: in the platform's own log (tenant_id null), with the tenant as their target.
    const entry = (action: AuditAction, from: string, to: string) =>
      recordAudit(trx, { tenantId: null, actor, action, target: { type: 'tenant', id }, details: { from, to } });
    if (patch.subscription_plan !== undefined && patch.subscription_plan !== before.subscription_plan) {
      await entry('tenant.plan_changed', before.subscription_plan, patch.subscription_plan);
    }
    if (patch.subscription_status !== undefined && patch.subscription_status !== before.subscription_status) {
      await entry('tenant.status_changed', before.subscription_status, patch.subscription_status);
    }
    return true;
  });
  if (!updated) throw notFound();
  // Every server forgets its cached status and checks the gym's open sockets again.
  announceRevocation(deps, { kind: 'tenant', tenantId: id });
  return getPlatformTenant(deps, id);
}

/** A gym opened by the platform admin: the same as a signup (tenant and first owner), on the plan chosen. */
export async function createPlatformTenant(deps: AppDeps, input: PlatformCreateBody, actor: AuditEntry['actor']): Promise<PlatformTenant> {
  const { subscription_plan, ...gym } = input;
  const { tenant } = await signup(deps, gym);
  if (subscription_plan && subscription_plan !== 'trial') {
    return updatePlatformTenant(deps, tenant.id, { subscription_plan, subscription_status: 'active', trial_ends_at: null }, actor);
  }
  return getPlatformTenant(deps, tenant.id);
}
