/**
 * The real-time layer's wiring: one Socket.IO server on the HTTP server, one dynamic namespace per
 * tenant (`/tenant/<uuid>`, namespaces.ts) admitted by admission.ts, each socket's life in session.ts,
 * the publisher's outlet, the sweeper of lost emits, the revocation relay, and the Redis adapter in
 * cluster mode.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData, StoredEvent } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { edgeOf } from '../http/edge.js';
import { redisResyncs, watchPublisherLag, watchRedis } from '../metrics/index.js';
import { admission } from './admission.js';
import { createEventStore, type EventStore } from './event-store.js';
import { originAllowed } from './handshake.js';
import { namespaceRegistry } from './namespaces.js';
import { createPersonLimits } from './person-limits.js';
import { createRedisBus, type RedisBus } from './redis-adapter.js';
import { reevaluate, startRevocationRelay } from './revocation-relay.js';
import { createSessionClock } from './session-clock.js';
import { startSession } from './session.js';
import { startSweeper, type Sweeper } from './sweeper.js';
import { TenantStream, type StreamOptions, type TenantNamespace, type TenantSocket } from './tenant-stream.js';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface RealtimeOptions extends Partial<StreamOptions> {
  /** Run the sweeper of lost emits (default true). */
  sweeper?: boolean;
  sweepIntervalMs?: number;
  /** Unpublished events older than this are considered lost and emitted by the sweeper. */
  sweepAgeMs?: number;
  /** A namespace without sockets is closed after this long (its Redis subscriptions with it). */
  idleNamespaceMs?: number;
  /** How often a connected socket's credentials are checked again (revoked display tokens, logins). */
  recheckMs?: number;
  /** How often each stream reads the log while Redis is away. */
  outagePollMs?: number;
}

export interface Realtime {
  io: IoServer;
  store: EventStore;
  /** The stream of a tenant on this server, if one of its sockets is connected here. */
  stream(tenantId: string): TenantStream | undefined;
  close(): Promise<void>;
}

const TENANT_NAMESPACE = /^\/tenant\/[^/]{1,64}$/;

export async function createRealtime(httpServer: http.Server, deps: AppDeps, options: RealtimeOptions = {}): Promise<Realtime> {
  const { config, log } = deps;
  const streamOptions: StreamOptions = { gapWaitMs: options.gapWaitMs ?? 150, settleMs: options.settleMs ?? 1000 };
  const idleNamespaceMs = options.idleNamespaceMs ?? 30_000;
  const recheckMs = options.recheckMs ?? 120_000;
  const edge = edgeOf(config);
  const store = createEventStore(deps);

  const io: IoServer = new Server(httpServer, {
    serveClient: false,
    // Namespaces are closed by scheduleIdleClose, which knows about handshakes still in progress.
    cleanupEmptyChildNamespaces: false,
    cors: { origin: (origin, done) => done(null, origin !== undefined && edge.originAllowed(origin)), credentials: true },
    // Both transports: the polling handshake and a WebSocket upgrade pass through here.
    allowRequest: (req, done) => {
      const ok = originAllowed(req, edge);
      done(ok ? null : 'origin not allowed', ok);
    },
    maxHttpBufferSize: 16 * 1024,
  });
  if (config.nodeId) {
    // Sessions carry the node's name for nginx (a cluster worker adds its own id: session-forwarding.ts).
    io.engine.generateId = () => `${config.nodeId}.0-${randomBytes(15).toString('base64url')}`;
  }
  if (!config.isProduction) {
    // Lets tests and operators see which worker of a cluster holds a connection.
    io.engine.on('headers', (headers: Record<string, string>) => {
      headers['x-worker'] = String(process.pid);
    });
  }

  let bus: RedisBus | null = null;
  if (config.redisUrl) {
    bus = await createRedisBus(config.redisUrl, { sharded: config.redisSharded, log });
    io.adapter(bus.adapter);
    watchRedis('adapter', bus.pub, bus.sub);
  }
  watchPublisherLag(() => store.lag());

  // Nothing lives in the main namespace.
  io.use((_socket, next) => next(new Error('forbidden')));

  const parent = io.of(TENANT_NAMESPACE);
  const namespaces = namespaceRegistry(io, parent, (tenantId, nsp) => {
    const stream = new TenantStream(tenantId, nsp, store, log, streamOptions);
    stream.ready.catch((err: unknown) => log.error({ err, tenantId }, 'event stream could not start'));
    return stream;
  }, idleNamespaceMs);
  const limits = createPersonLimits(deps);
  const placed = new Map<string, string>();
  const clock = createSessionClock({
    recheckMs,
    expired: (socket) => socket.disconnect(true),
    // A database hiccup does not end a socket: the next check decides.
    recheck: (socket) => void reevaluate(deps, socket).catch(() => undefined),
  });
  parent.use(admission(deps, namespaces, limits, placed));
  parent.on('connection', (socket: TenantSocket) => {
    const nsp = socket.nsp as TenantNamespace;
    namespaces.inUse(nsp);
    startSession(socket, {
      deps, stream: namespaces.streamOf(nsp), limits, placed, clock,
      ended: (nsp) => nsp.sockets.size === 0 && namespaces.scheduleIdleClose(nsp),
    });
  });

  // While Redis is away, events committed by the other workers and nodes cannot arrive here: each stream
  // reads the log now and then instead, so that no screen waits for the outage to end.
  let outagePoll: NodeJS.Timeout | null = null;
  let closing = false;
  const stopOutagePoll = () => {
    if (outagePoll) clearInterval(outagePoll);
    outagePoll = null;
  };
  if (bus) {
    bus.onLost(() => {
      stopOutagePoll();
      if (closing) return;
      outagePoll = setInterval(() => {
        for (const stream of namespaces.streams()) stream.resync();
      }, options.outagePollMs ?? 500);
      outagePoll.unref();
    });
    bus.onRecovered(() => {
      stopOutagePoll();
      redisResyncs.inc();
      for (const stream of namespaces.streams()) {
        stream.resync();
        // Others may have missed what this server published during the outage.
        stream.nsp.serverSideEmit('resync');
      }
    });
  }

  const emit = (events: StoredEvent[]) => {
    const byTenant = new Map<string, StoredEvent[]>();
    for (const e of events) {
      const list = byTenant.get(e.tenant_id);
      if (list) list.push(e);
      else byTenant.set(e.tenant_id, [e]);
    }
    for (const [tenantId, list] of byTenant) {
      // The other servers first: their screens need not wait for this server's own fan-out.
      if (bus) {
        const nsp = namespaces.namespaceOf(tenantId);
        if (nsp.sockets.size === 0) namespaces.scheduleIdleClose(nsp);
        // One message for the batch: the other servers deliver it in one pass too.
        nsp.serverSideEmit('events', list);
      }
      namespaces.stream(tenantId)?.ingest(list);
    }
  };
  const relay = startRevocationRelay(io, deps, bus !== null);

  deps.publisher.attach({
    sequence: (tenantId) => store.sequence(tenantId),
    emit,
    markPublished: (tenantId, upTo) => store.markPublished(tenantId, upTo),
  });

  let sweeper: Sweeper | null = null;
  if (options.sweeper ?? true) {
    sweeper = startSweeper({
      store,
      log,
      intervalMs: options.sweepIntervalMs ?? 1000,
      ageMs: options.sweepAgeMs ?? 1500,
      emit: async (events) => {
        deps.publisher.publish(events);
        await deps.publisher.flush();
      },
      number: async (tenantIds) => {
        for (const tenantId of tenantIds) deps.publisher.committed(tenantId);
        await deps.publisher.flush();
      },
    });
  }

  return {
    io,
    store,
    stream: (tenantId) => namespaces.stream(tenantId),
    async close() {
      closing = true;
      stopOutagePoll();
      await sweeper?.stop();
      await deps.publisher.flush();
      deps.publisher.detach();
      relay.close();
      clock.close();
      namespaces.close();
      // Closing the transports (not disconnecting the sockets) makes clients reconnect by themselves,
      // to another server behind the balancer or to this one once it is back.
      await new Promise<void>((resolve, reject) => {
        io.close(() => resolve()).catch(reject);
      });
      await bus?.close();
    },
  };
}
