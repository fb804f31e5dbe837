/** Small cross-cutting middleware: request ids with access logs, the caller's language, JSON-only bodies. */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { isLocale, type Locale } from '../contracts/i18n.js';
import type { Logger } from '../logger.js';
import { AppError } from './errors.js';
import { routeOf } from '../metrics/http.js';

const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Tags every request with an id (nginx's X-Request-Id when sane, else a new one; echoed back) and logs
 * one line when done: who (tenant, user, role), what (route), the answer and its duration. Health
 * probes log at debug: they come every few seconds and say nothing.
 */
export function requestContext(log: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : PROBES.has(ctx.path) ? 'debug' : 'info';
      const auth = ctx.state.auth as { tenantId?: string | null; userId?: string | null; role?: string } | undefined;
      log[level](
        {
          requestId, method: ctx.method, path: ctx.path, route: routeOf(ctx as unknown as { _matchedRoute?: unknown; path: string }),
          status: ctx.status, durationMs: Math.round(ms * 10) / 10,
          tenantId: auth?.tenantId ?? undefined, userId: auth?.userId ?? undefined, role: auth?.role,
        },
        'request',
      );
    }
  };
}

/** Picks the language of messages: ?lang=, then Accept-Language; the auth layer may refine it. */
export function negotiateLocale(): Middleware {
  return async (ctx, next) => {
    const lang = ctx.query.lang;
    let locale: Locale = 'en';
    if (isLocale(lang)) locale = lang;
    else {
      const accepted = ctx.acceptsLanguages('en', 'el');
      if (accepted === 'el') locale = 'el';
    }
    ctx.state.locale = locale;
    await next();
  };
}

/** State-changing API requests with a body must send JSON. */
export function requireJsonBodies(): Middleware {
  return async (ctx, next) => {
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) && !ctx.is('application/json')) {
      throw new AppError(415, 'unsupported_media_type');
    }
    await next();
  };
}
