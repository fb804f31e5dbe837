/**
 * HTTP and domain series, read off each request once it is answered: latency by route and status
 * (Socket.IO's own HTTP requests included), server errors, 503s by the dependency that was down,
 * throttled requests, idempotent replays, and bookings and check-ins with their refusal reasons.
 */
import type http from 'node:http';
import client from 'prom-client';
import type { Middleware } from 'koa';
import { registry } from './registry.js';

export const httpDuration = new client.Histogram({
  name: 'gymflow_http_request_duration_seconds',
  help: 'HTTP request duration by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

export const httpServerErrors = new client.Counter({
  name: 'gymflow_http_server_errors_total',
  help: 'Responses with a 5xx status, by route and status',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

export const httpUnavailable = new client.Counter({
  name: 'gymflow_http_unavailable_total',
  help: '503 answers by the dependency that was down (database, redis, other)',
  labelNames: ['dependency'] as const,
  registers: [registry],
});

export const httpThrottled = new client.Counter({
  name: 'gymflow_http_throttled_total',
  help: 'Requests refused with 429 (login throttling, rate limits), by route',
  labelNames: ['route'] as const,
  registers: [registry],
});

export const idempotentReplays = new client.Counter({
  name: 'gymflow_idempotent_replays_total',
  help: 'Requests answered from an earlier request with the same Idempotency-Key',
  labelNames: ['route'] as const,
  registers: [registry],
});

export const bookings = new client.Counter({
  name: 'gymflow_bookings_total',
  help: 'Booking requests by outcome (made, refused) and the refusal code',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

export const checkIns = new client.Counter({
  name: 'gymflow_check_ins_total',
  help: 'Check-ins by outcome (made, refused) and the refusal code',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

// Present from the start at 0: a panel shows "none yet" rather than no data, and rate() sees the first one.
for (const counter of [bookings, checkIns]) counter.inc({ outcome: 'made', reason: '' }, 0);

const BOOKING_ROUTES = new Set(['POST /api/book-room', 'POST /api/bookings']);
const CHECK_IN_ROUTES = new Set(['POST /api/visits']);

/** The route pattern (never the raw path: label sets stay small). */
export function routeOf(ctx: { _matchedRoute?: unknown; path: string }): string {
  const matched = ctx._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.path === '/healthz' || ctx.path === '/readyz') return ctx.path;
  return ctx.path.startsWith('/api') || ctx.path.startsWith('/auth') ? 'unmatched' : 'static';
}

/**
 * Which dependency a 503 came from, told by the code that answered it (ctx.state.unavailable), else
 * guessed from the error: the database's own errors, ioredis and the Redis guard.
 */
export function dependencyOf(err: unknown): 'database' | 'redis' | 'other' {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; constructor?: { name?: string } } | null;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const name = `${text(e?.name)} ${e?.constructor?.name ?? ''} ${text(e?.message)}`;
  if (/redis/i.test(name)) return 'redis';
  if (/Knex|Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|57P0|08\d{3}|53300|57014/.test(`${name} ${text(e?.code)}`)) return 'database';
  return 'other';
}

/** Remembers the error behind a response (inside the error handler) so the outer metrics can classify it. */
export function noteErrors(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.state.error = err;
      throw err;
    }
  };
}

/** Times every request and counts what the answer says. */
export function httpMetrics(): Middleware {
  return async (ctx, next) => {
    const end = httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = routeOf(ctx);
      const status = ctx.status;
      end({ method: ctx.method, route, status: String(status) });
      if (status >= 500) httpServerErrors.inc({ route, status: String(status) });
      if (status === 503) httpUnavailable.inc({ dependency: dependencyOf(ctx.state.error) });
      if (status === 429) httpThrottled.inc({ route });
      if (ctx.response.get('Idempotent-Replayed') === 'true') idempotentReplays.inc({ route });
      const key = `${ctx.method} ${route}`;
      const domain = BOOKING_ROUTES.has(key) ? bookings : CHECK_IN_ROUTES.has(key) ? checkIns : null;
      if (domain && status !== 503 && status < 500) {
        const code = (ctx.body as { data?: { code?: unknown } } | undefined)?.data?.code;
        if (status < 300) domain.inc({ outcome: 'made', reason: '' });
        else domain.inc({ outcome: 'refused', reason: typeof code === 'string' ? code : String(status) });
      }
    }
  };
}

/**
 * Socket.IO answers its own HTTP requests (long-polling, handshakes) before Koa sees them: time those
 * here, labelled by transport, off the request listener engine.io installed.
 */
export function timeSocketIoRequests(server: http.Server): void {
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url?.startsWith('/socket.io/')) return;
    const end = httpDuration.startTimer({ method: req.method ?? 'GET', route: '/socket.io/' });
    res.once('finish', () => end({ status: String(res.statusCode) }));
  });
}
