/** Small cross-cutting middleware: request ids with access logs, the caller's language, JSON-only bodies. */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { isLocale, type Locale } from '../contracts/i18n.js';
import type { Logger } from '../logger.js';
import { AppError } from './errors.js';

/** Tags every request with an id (the caller's X-Request-Id when sane) and logs it when done. */
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
      const level = ctx.status >= 500 ? 'error' : 'info';
      log[level]({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
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
