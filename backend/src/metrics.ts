/**
 * Prometheus metrics (prom-client), one registry per process. In cluster mode the primary aggregates
 * its workers' registries (AggregatorRegistry), so /metrics on any worker answers for the whole node.
 */
import cluster from 'node:cluster';
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
  help: 'Event-log entries delivered to this process\'s sockets, by type',
  labelNames: ['type'] as const,
  registers: [registry],
});

export const eventEmitDelay = new client.Histogram({
  name: 'event_emit_delay_seconds',
  help: 'Time from the event row being written to its delivery to this process\'s sockets',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});

interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}
let pool: PoolStats | undefined;

export const dbPool = new client.Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections by state',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: 'used' }, pool.numUsed());
    this.set({ state: 'free' }, pool.numFree());
    this.set({ state: 'pending' }, pool.numPendingAcquires());
  },
});

/** Reports this process's database pool (knex's tarn pool) in db_pool_connections. */
export function watchDbPool(knexClient: unknown): void {
  pool = (knexClient as { pool?: PoolStats }).pool;
}

const REQUEST = 'gymflow:metrics-request';
const ANSWER = 'gymflow:metrics-answer';

// Workers answer the primary's AggregatorRegistry with this registry.
if (cluster.isWorker) {
  client.AggregatorRegistry.setRegistries([registry]);
  new client.AggregatorRegistry();
}

/** In a cluster primary: aggregates every worker's metrics when a worker asks for the node's figures. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new client.AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text }),
      (err: Error) => worker.send({ type: ANSWER, id: message.id, error: err.message }),
    );
  });
}

let nextRequest = 0;

/** The Prometheus text of this node: all workers together in a cluster, else this process. */
export function nodeMetrics(): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== ANSWER || message.id !== id) return;
      process.off('message', onMessage);
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the cluster primary did not answer for metrics'));
    }, 5000);
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id });
  });
}

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
