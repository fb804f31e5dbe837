/**
 * Finding a tenant by subdomain or id, and whether it may be used, before any tenant scope exists. The
 * tenants table is under forced row-level security like every tenant table; these lookups go through
 * the database's narrow directory functions, which answer one gym's id, subdomain, status and plan and
 * nothing else (no list, no settings). Inside a scope, read the own row with the scope's transaction.
 * Status checks on every authenticated request go through a short per-process cache (the directory
 * service in AppDeps); a suspension is announced as a revocation, which drops the entry on every worker
 * and node at once (modules/auth/revocations.ts), and a lost announcement lasts at most STATUS_TTL_MS.
 * Never call these inside a unit of work on PGlite (one connection): resolve the tenant first.
 */
import { LRUCache } from 'lru-cache';
import type { AppDeps } from '../../deps.js';
import { isUuid } from '../../contracts/common.js';
import type { Tenant } from './tenant.model.js';
import { RESERVED_SUBDOMAINS } from '../../contracts/tenants.js';

/** A gym's full row, as its own scope or the platform scope reads it. */
export type TenantRecord = Pick<Tenant, 'id' | 'name' | 'subdomain' | 'subscription_plan' | 'subscription_status' | 'trial_ends_at' | 'settings' | 'created_at'>;

/** What the directory tells about a gym before any tenant is known. */
export type TenantEntry = Pick<TenantRecord, 'id' | 'subdomain' | 'subscription_status' | 'subscription_plan'>;

/** Statuses whose users can neither log in nor use existing credentials. */
export const BLOCKED_STATUSES: readonly string[] = ['suspended', 'canceled'];
export const isBlocked = (status: string) => BLOCKED_STATUSES.includes(status);

const STATUS_TTL_MS = 5_000;
/** Gyms whose brief one process keeps; beyond it the least recently used is read again when needed. */
const MAX_BRIEFS = 10_000;

/** What every authenticated request needs to know about its tenant. */
export interface TenantBrief {
  status: string;
  subdomain: string;
  plan: string;
}

/** Subdomains that name parts of the service (app.<base>, www.<base>), never a gym. */
export { RESERVED_SUBDOMAINS };

const SUBDOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const isSubdomain = (v: unknown): v is string => typeof v === 'string' && SUBDOMAIN.test(v);

type DirectoryDeps = Pick<AppDeps, 'db'>;

async function lookUp(deps: DirectoryDeps, fn: 'tenant_directory_by_subdomain' | 'tenant_directory_by_id', key: string): Promise<TenantEntry | undefined> {
  const result = await deps.db.knex.raw<{ rows: TenantEntry[] }>(`select * from ${fn}(?)`, [key]);
  return result.rows[0];
}

export async function findTenantBySubdomain(deps: DirectoryDeps, subdomain: string): Promise<TenantEntry | undefined> {
  const sub = subdomain.toLowerCase();
  if (!isSubdomain(sub)) return undefined;
  return lookUp(deps, 'tenant_directory_by_subdomain', sub);
}

export async function findTenantById(deps: DirectoryDeps, id: string): Promise<TenantEntry | undefined> {
  if (!isUuid(id)) return undefined;
  return lookUp(deps, 'tenant_directory_by_id', id.toLowerCase());
}

/** The per-process cache of tenant briefs (AppDeps.tenantDirectory). */
export interface TenantDirectory {
  /** The tenant's status, subdomain and plan (cached briefly); undefined when there is no such tenant. */
  brief(id: string): Promise<TenantBrief | undefined>;
  /** Drops the cached brief after a change (suspension, re-plan). */
  forget(id: string): void;
  /** How many briefs are held now. */
  readonly size: number;
}

export function createTenantDirectory(deps: DirectoryDeps, options: { max?: number } = {}): TenantDirectory {
  const cache = new LRUCache<string, TenantBrief>({ max: options.max ?? MAX_BRIEFS, ttl: STATUS_TTL_MS });
  // Bumped by every forget: a read that started before a change answers its caller but is not kept.
  let epoch = 0;
  return {
    async brief(id) {
      const hit = cache.get(id);
      if (hit) return hit;
      const started = epoch;
      const row = await findTenantById(deps, id);
      if (!row) return undefined;
      const brief = { status: row.subscription_status, subdomain: row.subdomain, plan: row.subscription_plan };
      if (epoch === started) cache.set(id, brief);
      return brief;
    },
    forget(id) {
      epoch++;
      cache.delete(id);
    },
    get size() {
      return cache.size;
    },
  };
}

/** The tenant named by a Host header (`<sub>.<BASE_DOMAIN>`, reserved names excepted), if any. */
export function subdomainFromHost(hostname: string, baseDomain: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const base = baseDomain.toLowerCase();
  if (!host.endsWith(`.${base}`)) return undefined;
  const sub = host.slice(0, -(base.length + 1));
  return isSubdomain(sub) && !RESERVED_SUBDOMAINS.has(sub) ? sub : undefined;
}
