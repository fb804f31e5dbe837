/**
 * Real-time series: sockets by transport and role (never by tenant: bounded cardinality), handshakes
 * and disconnects with their reasons, resumes, the Redis adapter, the publisher's lag, the sweeper and
 * the delay from commit to socket write.
 */
import client from 'prom-client';
import { registry } from './registry.js';

export const socketsConnected = new client.Gauge({
  name: 'gymflow_socketio_connected_sockets',
  help: 'Socket.IO connections open on this process, by transport and role',
  labelNames: ['transport', 'role'] as const,
  registers: [registry],
});

export const handshakes = new client.Counter({
  name: 'gymflow_socketio_handshakes_total',
  help: 'Tenant namespace handshakes by result (accepted, refused) and the refusal reason',
  labelNames: ['result', 'reason'] as const,
  registers: [registry],
});

export const disconnects = new client.Counter({
  name: 'gymflow_socketio_disconnects_total',
  help: 'Socket disconnects by reason (Socket.IO\'s reason strings)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const resumes = new client.Counter({
  name: 'gymflow_socketio_resumes_total',
  help: 'Replays from the event log (on connect and on resume) by result',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const resumeEvents = new client.Counter({
  name: 'gymflow_socketio_resume_events_total',
  help: 'Events sent to sockets by replays from the event log',
  registers: [registry],
});

export const resumeDuration = new client.Histogram({
  name: 'gymflow_socketio_resume_duration_seconds',
  help: 'Time a replay from the event log takes',
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  registers: [registry],
});

export const eventsEmitted = new client.Counter({
  name: 'gymflow_events_emitted_total',
  help: 'Event-log entries delivered to this process\'s sockets, by type',
  labelNames: ['type'] as const,
  registers: [registry],
});

export const eventEmitDelay = new client.Histogram({
  name: 'gymflow_event_emit_delay_seconds',
  help: 'Time from an event\'s commit to its write to this process\'s sockets',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});

export const sweeperReemits = new client.Counter({
  name: 'gymflow_sweeper_reemitted_events_total',
  help: 'Events the sweeper emitted because their emit after commit was lost',
  registers: [registry],
});

export const redisResyncs = new client.Counter({
  name: 'gymflow_redis_adapter_resyncs_total',
  help: 'Re-reads of the event log after the Redis adapter came back from an outage',
  registers: [registry],
});

interface Status {
  status: string;
}
const redisClients = new Map<string, Status[]>();

export const redisUp = new client.Gauge({
  name: 'gymflow_redis_up',
  help: '1 while this process\'s Redis connections of a use (adapter, app) are ready',
  labelNames: ['client'] as const,
  registers: [registry],
  collect() {
    for (const [name, clients] of redisClients) this.set({ client: name }, clients.every((c) => c.status === 'ready') ? 1 : 0);
  },
});

/** Reports a use's Redis connections in gymflow_redis_up. */
export function watchRedis(name: string, ...clients: Status[]): void {
  redisClients.set(name, clients);
}

export interface PublisherLag {
  /** Events committed but not yet emitted (unnumbered, or past their tenant's published mark). */
  events: number;
  /** Age in seconds of the oldest of them (0 when none). */
  oldestSeconds: number;
}

let lagSource: (() => Promise<PublisherLag>) | undefined;
let lastLag: Promise<PublisherLag> | undefined;
let lagAt = 0;
/** One read of the log per scrape, shared by the two gauges. */
const readLag = (): Promise<PublisherLag> | undefined => {
  if (!lagSource) return undefined;
  if (!lastLag || Date.now() - lagAt > 1000) {
    lagAt = Date.now();
    lastLag = lagSource().catch(() => ({ events: -1, oldestSeconds: -1 }));
  }
  return lastLag;
};

export const publisherLagEvents = new client.Gauge({
  name: 'gymflow_publisher_lag_events',
  help: 'Events committed but not yet emitted, across the cluster (-1: the log could not be read)',
  registers: [registry],
  async collect() {
    const lag = await readLag();
    if (lag) this.set(lag.events);
  },
});

export const publisherLagSeconds = new client.Gauge({
  name: 'gymflow_publisher_lag_seconds',
  help: 'Age of the oldest event committed but not yet emitted (0: none; -1: the log could not be read)',
  registers: [registry],
  async collect() {
    const lag = await readLag();
    if (lag) this.set(lag.oldestSeconds);
  },
});

/** Where the lag gauges read the log (the event store). */
export function watchPublisherLag(source: () => Promise<PublisherLag>): void {
  lagSource = source;
  lastLag = undefined;
}
