/**
 * Finding a tenant by subdomain or id, and whether it may be used, before any tenant scope exists. The
 * tenants table is under forced row-level security like every tenant table; these lookups go through
 * the database's narrow directory functions, which answer one gym's id, subdomain, status and plan and
 * nothing else (no list, no settings). Inside a scope, read the own row with the scope's transaction.
 * Status checks on every authenticated request go through a short per-process cache; suspending a
 * tenant clears the local entry at once, other workers follow within STATUS_TTL_MS.
 * Never call these inside a unit of work on PGlite (one connection): resolve the tenant first.
 */
import type { AppDeps } from '../../deps.js';
import { isUuid } from '../auth/tokens.js';

/** A gym's full row, as its own scope or the platform scope reads it. */
export interface TenantRecord {
  id: string;
  name: string;
  subdomain: string;
  subscription_plan: string;
  subscription_status: string;
  trial_ends_at: Date | null;
  settings: Record<string, unknown>;
  created_at: Date;
}

/** What the directory tells about a gym before any tenant is known. */
export type TenantEntry = Pick<TenantRecord, 'id' | 'subdomain' | 'subscription_status' | 'subscription_plan'>;

/** Statuses whose users can neither log in nor use existing credentials. */
export const BLOCKED_STATUSES: readonly string[] = ['suspended', 'canceled'];
export const isBlocked = (status: string) => BLOCKED_STATUSES.includes(status);

const STATUS_TTL_MS = 5_000;
/** What every authenticated request needs to know about its tenant. */
export interface TenantBrief {
  status: string;
  subdomain: string;
  plan: string;
}
const caches = new WeakMap<AppDeps, Map<string, TenantBrief & { at: number }>>();
const cacheOf = (deps: AppDeps) => {
  let c = caches.get(deps);
  if (!c) caches.set(deps, (c = new Map()));
  return c;
};

/** Subdomains that name parts of the service (app.<base>, www.<base>), never a gym. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'platform', 'www', 'api', 'app', 'admin', 'auth', 'static', 'assets', 'cdn', 'mail', 'status', 'docs', 'socket', 'ws',
]);

const SUBDOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const isSubdomain = (v: unknown): v is string => typeof v === 'string' && SUBDOMAIN.test(v);

async function lookUp(deps: AppDeps, fn: 'tenant_directory_by_subdomain' | 'tenant_directory_by_id', key: string): Promise<TenantEntry | undefined> {
  const result = (await deps.db.knex.raw(`select * from ${fn}(?)`, [key])) as { rows: TenantEntry[] };
  return result.rows[0];
}

export async function findTenantBySubdomain(deps: AppDeps, subdomain: string): Promise<TenantEntry | undefined> {
  const sub = subdomain.toLowerCase();
  if (!isSubdomain(sub)) return undefined;
  return lookUp(deps, 'tenant_directory_by_subdomain', sub);
}

export async function findTenantById(deps: AppDeps, id: string): Promise<TenantEntry | undefined> {
  if (!isUuid(id)) return undefined;
  return lookUp(deps, 'tenant_directory_by_id', id.toLowerCase());
}

/** The tenant's status, subdomain and plan (cached briefly); undefined when there is no such tenant. */
export async function tenantBrief(deps: AppDeps, id: string): Promise<TenantBrief | undefined> {
  const cache = cacheOf(deps);
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < STATUS_TTL_MS) return hit;
  const row = await findTenantById(deps, id);
  if (!row) {
    cache.delete(id);
    return undefined;
  }
  const brief = { status: row.subscription_status, subdomain: row.subdomain, plan: row.subscription_plan, at: Date.now() };
  cache.set(id, brief);
  if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
  return brief;
}

/** Drops the cached brief after a change (suspension, re-plan). */
export function forgetTenant(deps: AppDeps, id: string): void {
  cacheOf(deps).delete(id);
}

/** The tenant named by a Host header (`<sub>.<BASE_DOMAIN>`, reserved names excepted), if any. */
export function subdomainFromHost(hostname: string, baseDomain: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const base = baseDomain.toLowerCase();
  if (!host.endsWith(`.${base}`)) return undefined;
  const sub = host.slice(0, -(base.length + 1));
  return isSubdomain(sub) && !RESERVED_SUBDOMAINS.has(sub) ? sub : undefined;
}
