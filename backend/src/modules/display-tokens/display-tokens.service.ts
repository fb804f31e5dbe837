/**
 * Long-lived, read-only credentials for wall screens. The secret is shown once, at creation; only its
 * SHA-256 hash is kept. The token names its tenant (`dt1.<tenant>.<secret>`) so it is checked inside
 * that tenant's scope (see auth/credentials.ts).
 */
import type { DisplayToken as DisplayTokenView, NewDisplayToken } from '../../contracts/display-tokens.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import { newOpaqueToken } from '../auth/tokens.js';
import { recordAudit, type AuditEntry } from '../audit/audit.service.js';
import { DisplayToken } from './display-token.model.js';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const view = (r: DisplayToken): DisplayTokenView => ({
  id: r.id, name: r.name, created_by: r.created_by, created_at: iso(r.created_at)!, last_used_at: iso(r.last_used_at), revoked_at: iso(r.revoked_at),
});
const COLUMNS = ['id', 'name', 'created_by', 'created_at', 'last_used_at', 'revoked_at'];

/** Every display token of the tenant, newest first (revoked ones too, marked). */
export async function listDisplayTokens(scope: TenantScope): Promise<DisplayTokenView[]> {
  const rows = await scope.query(DisplayToken).select(COLUMNS).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
  return rows.map(view);
}

export async function createDisplayToken(
  scope: TenantScope,
  input: { name: string; createdBy: string | null },
  actor: AuditEntry['actor'],
): Promise<NewDisplayToken> {
  const { token, hash } = newOpaqueToken('dt1', scope.tenantId);
  const row = await scope.query(DisplayToken)
    .insert({ name: input.name, token_hash: hash, created_by: input.createdBy })
    .returning(COLUMNS);
  await recordAudit(scope.trx, { tenantId: scope.tenantId, actor, action: 'display_token.created', target: { type: 'display_token', id: row.id }, details: { name: input.name } });
  return { ...view(row), token };
}

/** Revokes a token at once (revoking twice is harmless); 404 for ids that are not this tenant's. */
export async function revokeDisplayToken(scope: TenantScope, id: string, actor: AuditEntry['actor']): Promise<DisplayTokenView> {
  const row = await scope.query(DisplayToken).select(COLUMNS).findById(id);
  if (!row) throw notFound();
  if (row.revoked_at) return view(row);
  const [updated] = await scope.query(DisplayToken).where({ id }).patch({ revoked_at: DisplayToken.fn.now() }).returning(COLUMNS);
  await recordAudit(scope.trx, { tenantId: scope.tenantId, actor, action: 'display_token.revoked', target: { type: 'display_token', id }, details: { name: row.name } });
  return view(updated!);
}
