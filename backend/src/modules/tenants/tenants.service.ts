/**
 * Gyms as customers of the platform: self-service signup on a trial plan, the owner's settings, and
 * the counts a platform admin may see.
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../deps.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { conflict, notFound } from '../../http/errors.js';
import { hashPassword } from '../auth/passwords.js';
import type { AuthUser } from '../../contracts/auth.js';
import type { TenantSettings } from '../../contracts/gym.js';
import { bookingRulesOf, DEFAULT_BOOKING_RULES } from '../../contracts/booking-rules.js';
import type { SignupBody, Tenant as TenantView, TenantPatchBody } from '../../contracts/tenants.js';
import { publicUser } from '../auth/auth.service.js';
import { countResource, limitsOf } from './plan-limits.js';
import { User } from '../members/user.model.js';
import { findTenantBySubdomain, type TenantRecord } from './tenant-directory.js';
import { Tenant } from './tenant.model.js';

export const TRIAL_DAYS = 14;

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const DEFAULT_SETTINGS: TenantSettings = {
  locale: 'en',
  timezone: 'Europe/Athens',
  currency: 'EUR',
  opening_hours: Object.fromEntries(WEEK.map((d) => [d, { open: '06:00', close: '22:00' }])),
  booking_rules: DEFAULT_BOOKING_RULES,
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

// Settings are written only through the settings schema (signup, PATCH /api/tenant) and the seed.
export function tenantView(t: TenantRecord): TenantView {
  return {
    id: t.id, name: t.name, subdomain: t.subdomain, subscription_plan: t.subscription_plan,
    subscription_status: t.subscription_status, trial_ends_at: iso(t.trial_ends_at),
    settings: { ...t.settings, booking_rules: bookingRulesOf(t.settings) },
    created_at: iso(t.created_at)!, limits: limitsOf(t.subscription_plan),
  };
}

/** Creates a gym with its owner, on the trial plan, in one transaction. */
export async function signup(deps: AppDeps, input: SignupBody): Promise<{ tenant: TenantView; owner: AuthUser }> {
  // A friendly answer for the common case; the unique index still decides under a race (→ 409 too).
  if (await findTenantBySubdomain(deps, input.subdomain)) throw conflict('already_exists', { field: 'subdomain' });
  const passwordHash = await hashPassword(input.owner.password, deps.config.bcryptCost);
  const id = randomUUID();
  const settings = { ...DEFAULT_SETTINGS, ...input.settings, booking_rules: { ...DEFAULT_BOOKING_RULES, ...input.settings?.booking_rules } };
  return deps.uow.inTenant(id, async (scope) => {
    const tenant = await scope.query(Tenant)
      .insert({
        id, name: input.name, subdomain: input.subdomain, subscription_plan: 'trial', subscription_status: 'trialing',
        trial_ends_at: new Date(Date.now() + TRIAL_DAYS * 86_400_000), settings,
      })
      .returning('*');
    const owner = await scope.query(User)
      .insert({
        username: input.owner.username, password_hash: passwordHash, role: 'owner',
        email: input.owner.email ?? null, full_name: input.owner.full_name ?? null, locale: settings.locale === 'el' ? 'el' : 'en',
      })
      .returning('*');
    return { tenant: tenantView(tenant), owner: publicUser(owner) };
  });
}

/** The caller's tenant; owners also see how much of the plan is used. */
export async function getTenant(scope: TenantScope, withUsage: boolean): Promise<TenantView> {
  const t = await scope.query(Tenant).findById(scope.tenantId);
  if (!t) throw notFound();
  const view = tenantView(t);
  if (withUsage) view.usage = { areas: await countResource(scope, 'areas'), members: await countResource(scope, 'members') };
  return view;
}

/** Changes the name and settings; settings are merged key by key (opening_hours is replaced whole). */
export async function updateTenant(scope: TenantScope, patch: TenantPatchBody): Promise<TenantView> {
  const t = await scope.query(Tenant).forUpdate().findById(scope.tenantId);
  if (!t) throw notFound();
  const changes: Partial<Pick<Tenant, 'name' | 'settings'>> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.settings) {
    const rules = patch.settings.booking_rules ? { booking_rules: { ...bookingRulesOf(t.settings), ...patch.settings.booking_rules } } : {};
    changes.settings = { ...t.settings, ...patch.settings, ...rules };
  }
  await scope.query(Tenant).findById(scope.tenantId).patch(changes);
  return getTenant(scope, true);
}
