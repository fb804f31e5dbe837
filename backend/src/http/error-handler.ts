/**
 * The first middleware: every error becomes the failure envelope. AppErrors, validation errors and
 * database constraint errors map to 4xx with a stable code; anything else is logged with the request
 * id and answered 500 with no details. No stack trace, SQL or constraint name reaches the client.
 */
import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import type { ErrorCode } from '../contracts/envelope.js';
import { fieldIssue } from '../contracts/field-errors.js';
import { requestState } from './auth-context.js';
import { AppError } from './errors.js';
import { failure } from './envelope.js';

interface PgError {
  code?: string;
  constraint?: string;
}

/** Constraint names that have a precise meaning for the client. */
const CONSTRAINT_CODES: Record<string, [number, ErrorCode]> = {
  bookings_no_overbooking: [409, 'slot_unavailable'],
  bookings_no_double_booking: [409, 'slot_unavailable'],
  bookings_place_in_capacity: [409, 'slot_unavailable'],
  gym_areas_occupancy_range: [409, 'area_full'],
  gym_areas_occupancy_derived: [422, 'unprocessable'],
  visits_one_open_per_user: [409, 'already_checked_in'],
  workout_sessions_one_active: [409, 'workout_active'],
};

/**
 * The database went away under the request (a restart or failover): the pg driver's connection errors
 * carry no SQLSTATE, and knex times out acquiring a connection while the server is down. That is a
 * dependency being down (503), not a bug (500).
 */
function lostDatabase(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code)) return true;
  return typeof e.message === 'string' && /Connection terminated|is not queryable|Connection ended unexpectedly/.test(e.message);
}

/** The driver's error: Objection wraps database errors and keeps the original as `nativeError`. */
export function nativeError(err: unknown): unknown {
  const wrapped = err as { nativeError?: unknown } | null;
  return wrapped && typeof wrapped === 'object' && wrapped.nativeError ? wrapped.nativeError : err;
}

/** The field a unique violation is about, so a form can say "already taken" next to it (never the constraint's name). */
const UNIQUE_FIELDS = ['username', 'subdomain', 'member_id', 'email'] as const;
function uniqueField(err: unknown): string | undefined {
  const constraint = (err as PgError).constraint ?? '';
  return UNIQUE_FIELDS.find((f) => constraint.includes(f));
}

/** Maps a database error to [status, code], or undefined when it is not one the client caused. */
export function mapDatabaseError(thrown: unknown): [number, ErrorCode] | undefined {
  const err = nativeError(thrown);
  const e = err as PgError | null;
  if (lostDatabase(err)) return [503, 'service_unavailable'];
  if (!e || typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  const known = e.constraint ? CONSTRAINT_CODES[e.constraint] : undefined;
  if (known) return known;
  switch (e.code) {
    case '23505': return [409, 'already_exists'];
    case '23P01': return [409, 'conflict'];
    case '23503': return [422, 'unprocessable'];
    case '23514':
    case '23502':
    case '22001': // string too long
    case '22003': // numeric out of range
    case '22007': // invalid datetime
    case '22008':
    case '22P02': // invalid text representation (a bad uuid)
    case '22021': // a NUL character in text (PostgreSQL text cannot hold U+0000)
    case '22P05': // a \u0000 escape inside a jsonb value
    case '22023':
      return [400, 'invalid_input'];
    case '40001': // serialization failure
    case '40P01': // deadlock
    case '55P03': // lock not available
      return [409, 'conflict'];
    case '57014': // statement timeout
    case '53300': // too many connections
    case '57P01': // admin shutdown
    case '57P02': // crash shutdown
    case '57P03': // cannot connect now: the server is starting up or shutting down
    case '08000': // connection exceptions
    case '08003':
    case '08004':
    case '08006':
    case '08001':
      return [503, 'service_unavailable'];
    default:
      return undefined;
  }
}

export function errorHandler(log: { error(obj: object, msg: string): void }): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api')) {
        failure(ctx, 404, 'not_found');
      }
    } catch (err) {
      if (err instanceof AppError) {
        if (err.headers) ctx.set(err.headers);
        failure(ctx, err.status, err.code, err.details, err.text);
        return;
      }
      if (err instanceof ZodError) {
        failure(ctx, 400, 'invalid_input', err.issues.map((i) => fieldIssue(requestState(ctx).locale ?? 'en', i)));
        return;
      }
      const db = mapDatabaseError(err);
      if (db) {
        const field = db[1] === 'already_exists' ? uniqueField(nativeError(err)) : undefined;
        failure(ctx, db[0], db[1], field ? { field } : undefined);
        return;
      }
      // Errors from the body parser and other koa middleware carry a client status.
      const status = (err as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        const code: ErrorCode =
          status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 401 ? 'unauthorized'
          : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 400 ? 'invalid_json' : 'invalid_input';
        failure(ctx, status, code);
        return;
      }
      const { requestId } = requestState(ctx);
      log.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
      failure(ctx, 500, 'internal_error', { request_id: requestId });
    }
  };
}
