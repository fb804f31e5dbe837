/**
 * Turns a presented API key into its caller (called by auth/credentials.ts for HTTP and sockets alike).
 * A key holds while it is not revoked, not past its expiry, its gym is usable and its creator is still
 * an active owner: a key never exceeds the person who made it, so demoting or deactivating them stops
 * their keys at once on every node (the person's revocation is announced, modules/auth/revocations.ts).
 * Its last use (time and address) is written at most once a minute per key, with an audit entry, so a
 * busy integration costs one indexed read per request and not a write.
 */
import type { AppDeps } from '../../deps.js';
import type { AuthContext } from '../../http/auth-context.js';
import { recordAudit } from '../audit/audit.service.js';
import { ApiKey } from './api-key.model.js';

const TOUCH_MS = 60_000;

export type ApiKeyRefusal = 'unauthorized' | 'api_key_expired';

/** `parsed` is a key (auth/tokens.ts `parseApiKey`) whose gym was found usable. */
export async function resolveApiKey(
  deps: AppDeps,
  parsed: { tenantId: string; hash: string },
  address: string | undefined,
): Promise<(AuthContext & { expiresAt: number | null }) | ApiKeyRefusal> {
  const { tenantId } = parsed;
  const key = await deps.uow.inTenant(tenantId, async (scope) => {
    const row = await scope.query(ApiKey)
      .select('id', 'name', 'prefix', 'scopes', 'created_by', 'expires_at', 'last_used_at')
      .where({ token_hash: parsed.hash })
      .whereNull('revoked_at')
      .first();
    if (!row || (row.expires_at && row.expires_at.getTime() <= Date.now())) return row;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= TOUCH_MS) {
      // Conditional, so a burst of parallel first requests writes (and audits) once: the others find
      // the row already touched once its lock is free.
      const touched = await scope.query(ApiKey)
        .where({ id: row.id })
        .whereRaw(`(last_used_at IS NULL OR last_used_at <= now() - interval '${TOUCH_MS / 1000} seconds')`)
        .patch({ last_used_at: ApiKey.fn.now(), last_used_address: address?.slice(0, 64) ?? null });
      if (touched > 0) {
        await recordAudit(scope.trx, {
          tenantId, actor: { userId: null, role: 'api_key', address }, action: 'api_key.used',
          target: { type: 'api_key', id: row.id }, details: { name: row.name, prefix: row.prefix },
        });
      }
    }
    return row;
  });
  if (!key) return 'unauthorized';
  if (key.expires_at && key.expires_at.getTime() <= Date.now()) return 'api_key_expired';
  // After the key's own transaction: on PGlite (one connection) a scope never opens inside another.
  const creator = await deps.revocations.standingOf(tenantId, key.created_by);
  if (!creator?.active || creator.role !== 'owner') return 'unauthorized';
  return {
    tenantId, userId: null, role: 'api_key', username: null, via: 'api_key',
    apiKey: { id: key.id, scopes: key.scopes, createdBy: key.created_by },
    expiresAt: key.expires_at ? Math.floor(key.expires_at.getTime() / 1000) : null,
  };
}
