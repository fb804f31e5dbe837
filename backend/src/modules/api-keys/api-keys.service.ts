/**
 * The owner's API keys: made with a name, scopes and an optional expiry; the secret is shown once, at
 * creation, and only its SHA-256 hash is kept (why a fast hash: modules/auth/tokens.ts `newApiKey`).
 * Every creation and revocation goes to the audit log with the change itself.
 */
import type { ApiKey as ApiKeyView, ApiKeyInput, ApiKeyState, NewApiKey } from '../../contracts/api-keys.js';
import type { TenantScope } from '../../db/unit-of-work.js';
import { notFound } from '../../http/errors.js';
import { recordAudit, type AuditEntry } from '../audit/audit.service.js';
import { newApiKey } from '../auth/tokens.js';
import { ApiKey } from './api-key.model.js';

const COLUMNS = ['id', 'name', 'prefix', 'scopes', 'created_by', 'created_at', 'expires_at', 'last_used_at', 'last_used_address', 'revoked_at']
  .map((c) => `api_keys.${c}`);

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type Row = ApiKey & { creator_ok?: boolean };

function stateOf(r: Row, creatorOk: boolean): ApiKeyState {
  if (r.revoked_at) return 'revoked';
  if (r.expires_at && new Date(r.expires_at).getTime() <= Date.now()) return 'expired';
  return creatorOk ? 'active' : 'creator_inactive';
}

const view = (r: Row, creatorOk: boolean): ApiKeyView => ({
  id: r.id, name: r.name, prefix: r.prefix, scopes: r.scopes, state: stateOf(r, creatorOk), created_by: r.created_by,
  created_at: iso(r.created_at)!, expires_at: iso(r.expires_at), last_used_at: iso(r.last_used_at),
  last_used_address: r.last_used_address, revoked_at: iso(r.revoked_at),
});

/** The keys with whether their creator is still an active owner (a key works only while they are). */
function withCreator(scope: TenantScope) {
  return scope.query(ApiKey)
    .select(...COLUMNS, ApiKey.raw("coalesce(u.active and u.role = 'owner', false) as creator_ok"))
    .leftJoin('users as u', (j) => j.on('u.tenant_id', 'api_keys.tenant_id').andOn('u.id', 'api_keys.created_by'));
}

/** Every key of the gym, newest first (revoked and expired ones too, marked by `state`). */
export async function listApiKeys(scope: TenantScope): Promise<ApiKeyView[]> {
  const rows = (await withCreator(scope).orderBy([{ column: 'api_keys.created_at', order: 'desc' }, { column: 'api_keys.id' }])) as Row[];
  return rows.map((r) => view(r, r.creator_ok === true));
}

/** Makes a key for the calling owner; the answer is the only place its secret ever appears. */
export async function createApiKey(scope: TenantScope, input: ApiKeyInput, actor: AuditEntry['actor'] & { userId: string }): Promise<NewApiKey> {
  const { token, hash, prefix } = newApiKey(scope.tenantId);
  const scopes = [...input.scopes].sort();
  const row = await scope.query(ApiKey)
    .insert({ name: input.name, prefix, token_hash: hash, scopes, created_by: actor.userId, expires_at: input.expires_at ? new Date(input.expires_at) : null })
    .returning(COLUMNS.map((c) => c.slice('api_keys.'.length)));
  await recordAudit(scope.trx, {
    tenantId: scope.tenantId, actor, action: 'api_key.created', target: { type: 'api_key', id: row.id },
    details: { name: row.name, prefix, scopes, expires_at: iso(row.expires_at) },
  });
  return { ...view(row, true), key: token };
}

/** Revokes a key at once (twice is harmless, and audited once); 404 for ids that are not this gym's. */
export async function revokeApiKey(scope: TenantScope, id: string, actor: AuditEntry['actor']): Promise<ApiKeyView> {
  const columns = COLUMNS.map((c) => c.slice('api_keys.'.length));
  // Conditional, so two revocations at once write (and audit) once.
  const [revoked] = await scope.query(ApiKey).where({ id }).whereNull('revoked_at').patch({ revoked_at: ApiKey.fn.now() }).returning(columns);
  if (revoked) {
    await recordAudit(scope.trx, {
      tenantId: scope.tenantId, actor, action: 'api_key.revoked', target: { type: 'api_key', id }, details: { name: revoked.name, prefix: revoked.prefix },
    });
    return view(revoked, true);
  }
  const current = await scope.query(ApiKey).select(columns).findById(id);
  if (!current) throw notFound();
  return view(current, true);
}
