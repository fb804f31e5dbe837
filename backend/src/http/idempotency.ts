/**
 * Idempotency-Key for creating POSTs. The key is claimed inside the SAME transaction as the creation
 * (tenant + user + key, with a hash of the request), and the answer is stored there before commit.
 * So a retry after success replays the first answer and creates nothing; a concurrent duplicate waits
 * on the key's unique index until the first commits and then replays it; a failed first attempt
 * leaves no key behind, so a retry really retries. The same key with a different request is a 422.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { runInScope, statementInTransaction, type TenantScope, type UnitOfWork } from '../db/unit-of-work.js';
import type { MessageKey } from '../contracts/i18n.js';
import type { AuthContext } from './auth-context.js';
import { reply } from './envelope.js';
import { AppError, badRequest, unprocessable } from './errors.js';
import { IdempotencyKey } from './idempotency-key.model.js';

/** Keys are kept this long; the visits background job deletes older ones. */
export const IDEMPOTENCY_TTL_HOURS = 24;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key, or null; a malformed key is a 400. */
export function idempotencyKey(ctx: Context): string | null {
  const raw = ctx.get('idempotency-key');
  if (!raw) return null;
  if (!KEY.test(raw)) throw badRequest('invalid_input', [{ path: ['Idempotency-Key'], code: 'invalid_format', message: 'Must be 1-255 visible ASCII characters' }]);
  return raw;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([method.toUpperCase(), path, canonical(body ?? null)])).digest('hex');
}

/** Thrown inside the transaction when the key already holds an answer: rolls back and replays it. */
class Replay extends Error {
  constructor(readonly status: number, readonly data: unknown) {
    super('idempotent replay');
  }
}

interface Claim {
  userId: string;
  key: string;
  hash: string;
  status: number;
}

async function claim(scope: TenantScope, c: Claim): Promise<void> {
  // knex, not the model: an insert the conflict skipped returns no row, which Objection would hide by
  // answering the model it was given.
  const inserted: Array<Pick<IdempotencyKey, 'key'>> = await scope.trx(IdempotencyKey.tableName)
    .insert({ tenant_id: scope.tenantId, user_id: c.userId, key: c.key, request_hash: c.hash })
    .onConflict(['tenant_id', 'user_id', 'key']).ignore()
    .returning('key');
  if (inserted.length) return;
  const prior = await scope.query(IdempotencyKey).where({ user_id: c.userId, key: c.key }).first();
  if (!prior || prior.request_hash !== c.hash) throw unprocessable('idempotency_conflict');
  if (prior.status_code == null) throw new AppError(409, 'idempotency_in_progress');
  throw new Replay(prior.status_code, prior.response);
}

/** A unit of work whose first tenant transaction claims the key and stores the answer. */
function keyedUnitOfWork(uow: UnitOfWork, c: Claim): UnitOfWork {
  let claimed = false;
  const keyed: UnitOfWork = {
    inPlatform: (work) => uow.inPlatform(work),
    // A tenant's scope goes through inTenant below, so it claims the key too.
    inScope: (tenantId, work) => runInScope(keyed, tenantId, work),
    statementInScope: (tenantId, sql, lane) => uow.statementInScope(tenantId, sql, lane),
    // A statement that writes takes the key with it: a transaction of inTenant below.
    statementInTenant: (tenantId, sql, settle) => statementInTransaction(keyed, tenantId, sql, settle),
    async inTenant(tenantId, work) {
      if (claimed) return uow.inTenant(tenantId, work);
      const answer = await uow.inTenant(tenantId, async (scope) => {
        await claim(scope, c);
        const result = await work(scope);
        await scope.query(IdempotencyKey).where({ user_id: c.userId, key: c.key })
          .patch({ status_code: c.status, response: result ?? null });
        return result;
      });
      // Only a committed claim counts: after a rolled-back attempt (the work threw) the next one claims.
      claimed = true;
      return answer;
    },
  };
  return keyed;
}

/**
 * Runs a creating operation and answers it: with an Idempotency-Key the operation's transaction claims
 * the key (see above), without one it simply runs. `work` must create through the unit of work it gets.
 */
export async function replyIdempotent<T>(
  ctx: Context,
  uow: UnitOfWork,
  options: { status?: number; message?: MessageKey },
  work: (uow: UnitOfWork) => Promise<T>,
): Promise<void> {
  const status = options.status ?? 201;
  const key = idempotencyKey(ctx);
  const auth = ctx.state.auth as AuthContext | undefined;
  if (!key || !auth?.tenantId || !auth.userId) {
    reply(ctx, await work(uow), { status, message: options.message });
    return;
  }
  const c: Claim = { userId: auth.userId, key, hash: requestHash(ctx.method, ctx.path, ctx.request.body), status };
  try {
    // Round-trip through JSON so the first answer and its replays are byte-for-byte the same shape.
    const data = JSON.parse(JSON.stringify((await work(keyedUnitOfWork(uow, c))) ?? null)) as T;
    reply(ctx, data, { status, message: options.message });
  } catch (err) {
    if (!(err instanceof Replay)) throw err;
    ctx.set('Idempotent-Replayed', 'true');
    reply(ctx, err.data, { status: err.status, message: options.message });
  }
}
