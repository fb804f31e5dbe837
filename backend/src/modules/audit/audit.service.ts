/**
 * The audit log: who did what to whom, when, from which address. Written by the service that makes
 * the change, in the same transaction (a change and its entry commit or roll back together), and read
 * by the owner (the gym's entries) or the platform admin (the platform's: plans and suspensions).
 */
import type { Knex } from 'knex';
import { scopedQuery } from '../../db/model.js';
import type { AuthContext } from '../../http/auth-context.js';
import type { Page, PageQuery } from '../../http/paging.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AuditLogEntry } from './audit-log.model.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditLogEntry as AuditView } from '../../contracts/audit.js';

export { AUDIT_ACTIONS, type AuditAction };

export interface AuditEntry {
  /** null for platform actions. */
  tenantId: string | null;
  /** Who did it; null when the system did (e.g. a reused refresh token ended a login). */
  actor: Pick<AuthContext, 'userId' | 'role' | 'address'> | null;
  action: AuditAction;
  target: { type: 'user' | 'display_token' | 'api_key' | 'tenant' | 'webhook_endpoint'; id: string };
  details?: Record<string, unknown>;
}

/** Adds an entry with the transaction that makes the change. */
export async function recordAudit(trx: Knex.Transaction, entry: AuditEntry): Promise<void> {
  await scopedQuery(AuditLogEntry, trx, entry.tenantId ?? undefined).insert({
    tenant_id: entry.tenantId,
    actor_id: entry.actor?.userId ?? null,
    actor_role: entry.actor?.role ?? null,
    action: entry.action,
    target_type: entry.target.type,
    target_id: entry.target.id,
    details: entry.details ?? {},
    address: entry.actor?.address?.slice(0, 64) ?? null,
  });
}

const COLUMNS = ['id', 'action', 'actor_id', 'actor_role', 'target_type', 'target_id', 'details', 'address', 'created_at'];

const view = (r: AuditLogEntry): AuditView => ({
  id: r.id,
  action: r.action as AuditAction,
  actor: r.actor_role ? { id: r.actor_id, role: r.actor_role } : null,
  target: { type: r.target_type, id: r.target_id },
  details: r.details,
  address: r.address,
  created_at: new Date(r.created_at).toISOString(),
});

async function page(trx: Knex.Transaction, tenantId: string | null, query: PageQuery & { action?: AuditAction }): Promise<Page<AuditView>> {
  const q = scopedQuery(AuditLogEntry, trx, tenantId ?? undefined).select(COLUMNS);
  if (!tenantId) q.whereNull('tenant_id');
  if (query.action) q.where({ action: query.action });
  const p = await q.keysetPage(query, { column: 'created_at', type: 'timestamptz', direction: 'desc' });
  return { items: p.items.map(view), next: p.next };
}

/** The gym's entries, newest first. */
export function listTenantAudit(uow: UnitOfWork, tenantId: string, query: PageQuery & { action?: AuditAction }): Promise<Page<AuditView>> {
  return uow.inTenant(tenantId, ({ trx }) => page(trx, tenantId, query));
}

/** The platform's own entries (tenant_id null), newest first. */
export function listPlatformAudit(uow: UnitOfWork, query: PageQuery & { action?: AuditAction }): Promise<Page<AuditView>> {
  return uow.inPlatform((trx) => page(trx, null, query));
}
