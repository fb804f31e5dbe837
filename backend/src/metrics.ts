/**
 * Prometheus metrics (prom-client), one registry per process. In cluster mode the primary aggregates
 * its workers' registries (AggregatorRegistry), so /metrics on any worker answers for the whole node.
 */
import client from 'prom-client';
import type { Middleware } from 'koa';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const socketsConnected = new client.Gauge({
  name: 'socketio_connected_sockets',
  help: 'Socket.IO connections open on this process',
  registers: [registry],
});

export const eventsEmitted = new client.Counter({
  name: 'events_emitted_total',
  help: 'Event-log entries emitted to Socket.IO, by type and path (live or sweeper)',
  labelNames: ['type', 'path'] as const,
  registers: [registry],
});

export const eventEmitDelay = new client.Histogram({
  name: 'event_emit_delay_seconds',
  help: 'Time from the event row being written to its emit',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});

export const dbPool = new client.Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections by state',
  labelNames: ['state'] as const,
  registers: [registry],
});

/** Times every request, labelled by its route pattern (not the raw path, to keep label sets small). */
export function httpMetrics(): Middleware {
  return async (ctx, next) => {
    const end = httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.path.startsWith('/api') ? 'unmatched' : 'static');
      end({ method: ctx.method, route: String(route), status: String(ctx.status) });
    }
  };
}
