/**
 * Web sessions (koa-session) for the browser app.
 *
 * The cookie `gym.sid` (httpOnly, SameSite=Lax, Secure over HTTPS, signed as `gym.sid.sig`) holds only
 * a random session id; the session itself lives in Redis when REDIS_URL is set, in the web_sessions table
 * otherwise. The id is replaced at every login (no session fixation) and the stored session destroyed
 * at logout.
 *
 * CSRF, the exact mechanism the web app follows:
 *   - POST /auth/login answers `data.csrf_token`; GET /auth/me answers `{user, tenant, csrf_token}` too.
 *   - Every state-changing request (POST, PUT, PATCH, DELETE) made with the session cookie must send that
 *     token in the `X-CSRF-Token` header, else 403 `csrf_failed`. GET/HEAD/OPTIONS need none.
 *   - The token is derived from a per-session secret (csrf package), so it stays valid for the whole
 *     session; fetch it again from GET /auth/me after a reload. Bearer-token requests need no CSRF token.
 */
import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import createSession from 'koa-session';
import type { AppDeps } from '../../deps.js';
import type { Role } from '../../http/auth-context.js';
import { serviceUnavailable } from '../../http/errors.js';
import { viaRedis } from './redis-guard.js';
import { isLocale, type Locale } from '../../contracts/i18n.js';

export const SESSION_COOKIE = 'gym.sid';

/** What a signed-in session stores (never the cookie: only its id travels). */
export interface SessionAuthData {
  uid: string;
  tid: string | null;
  role: Exclude<Role, 'display'>;
  usr: string;
  loc: Locale;
  /** Secret the CSRF tokens of this session are derived from. */
  csrf: string;
  /** When the person signed in (ms): a revocation of their access after it ends the session. */
  iat: number;
}

type Stored = Partial<SessionAuthData> & { _expire?: number; _maxAge?: number };

/** Where sessions live (AppDeps.sessions): Redis when configured, else the web_sessions table. */
export interface SessionStore {
  get(sid: string): Promise<Stored | undefined>;
  set(sid: string, data: Stored, maxAgeMs: number): Promise<void>;
  destroy(sid: string): Promise<void>;
}

const SID = /^[A-Za-z0-9_-]{43}$/;

export function createSessionStore(deps: Pick<AppDeps, 'redis' | 'db' | 'log'>): SessionStore {
  const redis = deps.redis;
  if (redis) {
    const key = (sid: string) => `gym:sess:${sid}`;
    // Sessions live only in Redis: while it is down, cookie requests answer 503 rather than 500.
    const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, 'session store unavailable');
        throw serviceUnavailable({ dependency: 'redis' });
      }
    };
    return {
      get: (sid) =>
        guarded(async () => {
          const raw = await viaRedis(redis, (r) => r.get(key(sid)));
          return raw ? (JSON.parse(raw) as Stored) : undefined;
        }),
      set: (sid, data, maxAgeMs) =>
        guarded(async () => {
          await viaRedis(redis, (r) => r.set(key(sid), JSON.stringify(data), 'PX', Math.max(1000, maxAgeMs)));
        }),
      destroy: (sid) =>
        guarded(async () => {
          await viaRedis(redis, (r) => r.del(key(sid)));
        }),
    };
  }
  // The table holds every gym's signed-in sessions: the app role reaches one only by its secret id,
  // through the database's web_session_* functions, and cannot list them.
  const knex = deps.db.knex;
  return {
    async get(sid) {
      const { rows } = await knex.raw<{ rows: Array<{ data: Stored | null }> }>('select web_session_get(?) as data', [sid]);
      return rows[0]?.data ?? undefined;
    },
    async set(sid, data, maxAgeMs) {
      const expiresAt = new Date(Date.now() + maxAgeMs);
      await knex.raw('select web_session_put(?, ?::jsonb, ?)', [sid, JSON.stringify(data), expiresAt]);
      // Expired rows go away a few at a time as sessions are written; no timer needed.
      if (Math.random() < 0.05) await knex.raw('select web_session_purge(100)');
    },
    async destroy(sid) {
      await knex.raw('select web_session_drop(?)', [sid]);
    },
  };
}

export interface SessionAuth {
  userId: string;
  tenantId: string | null;
  role: SessionAuthData['role'];
  username: string;
  locale: Locale;
  csrf: string;
  /** When it was signed in (ms; 0 for sessions from before this was kept). */
  issuedAt: number;
  /** Milliseconds since epoch. */
  expiresAt: number;
}

/** The signed-in part of session data, or null when it is not signed in or expired. */
export function sessionAuthFrom(deps: AppDeps, data: Stored | null | undefined): SessionAuth | null {
  if (!data?.uid || !data.role || !data.csrf) return null;
  const expiresAt = data._expire ?? Date.now() + deps.config.session.ttlHours * 3_600_000;
  if (expiresAt <= Date.now()) return null;
  return {
    userId: data.uid, tenantId: data.tid ?? null, role: data.role, username: data.usr ?? '',
    locale: isLocale(data.loc) ? data.loc : 'en', csrf: data.csrf, issuedAt: typeof data.iat === 'number' ? data.iat : 0, expiresAt,
  };
}

/** The signed-in part of a stored session, or null when it is missing, expired or not signed in. */
export async function loadSessionAuth(deps: AppDeps, sid: string): Promise<SessionAuth | null> {
  if (!SID.test(sid)) return null;
  return sessionAuthFrom(deps, await deps.sessions.get(sid));
}

/** The koa-session middleware. koa-session needs the app, so it is built on the first request. */
export function sessionMiddleware(deps: AppDeps): Middleware {
  const store = deps.sessions;
  let inner: Middleware | undefined;
  let warned = false;
  return async (ctx, next) => {
    // A Bearer token wins over the cookie (auth.middleware.ts), so an API call that sends one never reads
    // or writes the session: koa-session would still load or mint one for it on every request.
    if (ctx.path.startsWith('/api/') && ctx.get('authorization') !== '') {
      await next();
      return;
    }
    inner ??= createSession(
      {
        key: SESSION_COOKIE,
        maxAge: deps.config.session.ttlHours * 3_600_000,
        httpOnly: true,
        sameSite: 'lax',

        signed: true,
        rolling: false,
        renew: true,
        genid: () => randomBytes(32).toString('base64url'),
        valid: (_ctx: unknown, data: Stored) => Boolean(data),
        store: {
          get: async (sid: string) => (SID.test(sid) ? store.get(sid) : undefined),
          set: (sid: string, data: Stored, maxAge: number) => store.set(sid, data, maxAge),
          destroy: (sid: string) => store.destroy(sid),
        },
      },
      ctx.app,
    ) as Middleware;
    // Secure whenever the request came over HTTPS (X-Forwarded-Proto counts from TRUSTED_PROXIES). A
    // production server reached over plain HTTP still works, but says loudly that it should not be.
    (ctx.sessionOptions as { secure?: boolean }).secure = ctx.secure;
    if (deps.config.isProduction && !ctx.secure && !warned) {
      warned = true;
      deps.log.warn('session cookies are sent without Secure: serve over HTTPS and list the proxy in TRUSTED_PROXIES');
    }
    await inner(ctx, next);
  };
}
