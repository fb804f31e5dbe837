/**
 * The real-time layer: one Socket.IO server on the HTTP server, one dynamic namespace per tenant
 * (`/tenant/<uuid>`), the handshake, per-tenant ordered streams, resume, the publisher's outlet, the
 * sweeper, and the Redis adapter in cluster mode.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Server, type Namespace } from 'socket.io';
import {
  CONNECT_ERRORS,
  REPLAY_LIMITED,
  type ClientToServerEvents,
  type HandshakeAuth,
  type InterServerEvents,
  type ResumeAck,
  type ServerToClientEvents,
  type SocketData,
  type StoredEvent,
  tenantNamespace,
} from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { edgeOf } from '../http/edge.js';
import { createEventStore, type EventStore } from './event-store.js';
import { NAMESPACE_PREFIX, handshake, originAllowed, parseSince } from './handshake.js';
import { reevaluate, startRevocationRelay } from './revocation-relay.js';
import { createPersonLimits, personOf } from './person-limits.js';
import { createRedisBus, type RedisBus } from './redis-adapter.js';
import { startSweeper, type Sweeper } from './sweeper.js';
import {
  CATCHUP_ROOM,
  DISPLAY_ROOM,
  STAFF_ROOM,
  TenantStream,
  type StreamOptions,
  type TenantNamespace,
  type TenantSocket,
  userRoom,
} from './tenant-stream.js';
import {
  disconnects, handshakes as handshakeCount, redisResyncs, resumeDuration, resumeEvents, resumes, socketsConnected, watchPublisherLag, watchRedis,
} from '../metrics/index.js';

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
}

export interface Realtime {
  io: IoServer;
  store: EventStore;
  /** The stream of a tenant on this server, if one of its sockets is connected here. */
  stream(tenantId: string): TenantStream | undefined;
  close(): Promise<void>;
}

const TENANT_NAMESPACE = /^\/tenant\/[^/]{1,64}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

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

  const streams = new Map<string, TenantStream>();
  const idleTimers = new Map<string, NodeJS.Timeout>();

  // Nothing lives in the main namespace.
  io.use((_socket, next) => next(new Error('forbidden')));

  const limits = createPersonLimits(deps);
  /** Sockets holding a place of their person (socket id → person), given back at disconnect. */
  const placed = new Map<string, string>();

  const parent = io.of(TENANT_NAMESPACE);
  const authenticate = handshake(deps);
  /** Handshakes in progress per namespace: an idle namespace is not closed under them. */
  const handshakes = new Map<Namespace, number>();
  parent.use(async (socket, next) => {
    const nsp = socket.nsp as TenantNamespace;
    handshakes.set(nsp, (handshakes.get(nsp) ?? 0) + 1);
    let refused: Error | undefined;
    try {
      refused = await new Promise<Error | undefined>((resolve) => void authenticate(socket, resolve));
      handshakeCount.inc(refused ? { result: 'refused', reason: refused.message } : { result: 'accepted', reason: '' });
      if (refused) return next(refused);
      // The stream knows the tenant's last seq before the client hears `connect`: a client without
      // `since` then gets every event committed after it connected, and none from before.
      const stream = streamOf(nsp);
      await stream.ready;
      socket.data.lastSeq = stream.lastSeq;
      const person = personOf(socket);
      if (!(await limits.acquire(person))) return next(new Error(CONNECT_ERRORS.tooManyConnections));
      const since = parseSince((socket.handshake.auth as HandshakeAuth | undefined)?.since);
      if (since !== null && !(await limits.chargeReplay(person, stream.lastSeq - since))) {
        limits.release(person);
        return next(new Error(CONNECT_ERRORS.replayLimited));
      }
      placed.set(socket.id, person);
      next();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'socket handshake failed');
      handshakeCount.inc({ result: 'refused', reason: CONNECT_ERRORS.unavailable });
      next(new Error(CONNECT_ERRORS.unavailable));
    } finally {
      const left = (handshakes.get(nsp) ?? 1) - 1;
      if (left > 0) handshakes.set(nsp, left);
      else handshakes.delete(nsp);
      // A refused handshake still created the child namespace (and its Redis subscriptions): close it
      // soon unless somebody connects, so that knocking on random namespaces costs the server nothing.
      if (nsp.sockets.size === 0) scheduleIdleClose(nsp, refused ? 1000 : idleNamespaceMs);
    }
  });

  /** The tenant's namespace here, wired to its stream (created on first use). */
  const namespaceOf = (tenantId: string): TenantNamespace => io.of(tenantNamespace(tenantId)) as TenantNamespace;

  const streamOf = (nsp: TenantNamespace): TenantStream => {
    const tenantId = nsp.name.slice(NAMESPACE_PREFIX.length);
    let stream = streams.get(tenantId);
    if (stream && (stream.nsp !== nsp || stream.failed)) {
      stream.close();
      stream = undefined;
    }
    if (!stream) {
      stream = new TenantStream(tenantId, nsp, store, log, streamOptions);
      stream.ready.catch((err: Error) => log.error({ err: err.message, tenantId }, 'event stream could not start'));
      streams.set(tenantId, stream);
      nsp.on('event', (event: StoredEvent) => streams.get(tenantId)?.ingest([event]));
      nsp.on('resync', () => streams.get(tenantId)?.resync());
    }
    return stream;
  };

  /** Closes a namespace nobody uses here any more (refused handshakes, publish-only use). */
  const scheduleIdleClose = (nsp: Namespace, delayMs = idleNamespaceMs) => {
    clearTimeout(idleTimers.get(nsp.name));
    const timer = setTimeout(() => {
      idleTimers.delete(nsp.name);
      if (nsp.sockets.size > 0 || handshakes.has(nsp) || io._nsps.get(nsp.name) !== nsp) return;
      closeNamespace(nsp);
    }, delayMs);
    timer.unref();
    idleTimers.set(nsp.name, timer);
  };
  const closeNamespace = (nsp: Namespace) => {
    const tenantId = nsp.name.slice(NAMESPACE_PREFIX.length);
    const stream = streams.get(tenantId);
    if (stream?.nsp === nsp) {
      stream.close();
      streams.delete(tenantId);
    }
    void Promise.resolve(nsp.adapter.close()).catch(() => undefined);
    io._nsps.delete(nsp.name);
    (parent as unknown as { children: Set<Namespace> }).children.delete(nsp);
  };

  parent.on('connection', (socket: TenantSocket) => {
    // By transport and role only: a tenant label would grow with the customers.
    let labels = { transport: socket.conn.transport.name, role: socket.data.role };
    socketsConnected.inc(labels);
    socket.conn.once('upgrade', () => {
      socketsConnected.dec(labels);
      labels = { ...labels, transport: socket.conn.transport.name };
      socketsConnected.inc(labels);
    });
    log.debug({ socketId: socket.id, tenantId: socket.data.tenantId, userId: socket.data.userId, ...labels }, 'socket connected');
    const nsp = socket.nsp;
    clearTimeout(idleTimers.get(nsp.name));
    const stream = streamOf(nsp);
    const { role, userId, expiresAt } = socket.data;
    const rooms = [CATCHUP_ROOM];
    if (role === 'owner' || role === 'trainer') rooms.push(STAFF_ROOM);
    if (userId) rooms.push(userRoom(userId));
    if (role === 'display') rooms.push(DISPLAY_ROOM);
    socket.join(rooms);

    let expiry: NodeJS.Timeout | null = null;
    if (expiresAt !== null) {
      // A token that expires unrefreshed ends the connection; the client reconnects with a new one.
      expiry = setTimeout(() => socket.disconnect(true), Math.min(MAX_TIMER_MS, Math.max(0, expiresAt * 1000 - Date.now())));
    }
    // Revocations do not wait for expiry (display tokens never expire): check again now and then,
    // spread out so that many sockets do not all ask at once. A database hiccup does not end a socket.
    // (Revocations are also announced and re-checked at once, see revocation-relay.ts; this is the backstop.)
    const recheck = setInterval(() => {
      void reevaluate(deps, socket).catch(() => undefined);
    }, recheckMs * (0.75 + Math.random() / 2));
    recheck.unref();

    // Replays run one at a time per socket: a resume during another waits its turn.
    let queue: Promise<unknown> = Promise.resolve();
    let queued = 0;
    let charging = 0;
    const replay = (since: number | null) => {
      queued++;
      const run = queue.then(async () => {
        socket.join(CATCHUP_ROOM);
        const end = resumeDuration.startTimer();
        try {
          const last = await stream.catchUp(socket, since);
          resumes.inc({ result: 'ok' });
          if (since !== null) resumeEvents.inc(Math.max(0, last - since));
          return last;
        } catch (err) {
          resumes.inc({ result: 'failed' });
          throw err;
        } finally {
          end();
        }
      });
      queue = run.catch(() => undefined).finally(() => queued--);
      return run;
    };

    socket.on('resume', (args, ack) => {
      if (typeof ack !== 'function') return;
      const since = parseSince((args as { since?: unknown } | undefined)?.since);
      if (since === null) {
        ack({ success: false, message: 'since must be a non-negative integer', data: { code: 'invalid_input' } });
        return;
      }
      // Each replay reads the log: a client may have one running and one waiting, not a flood.
      // The place is taken before the budget is asked (asynchronously), or a burst would all pass.
      if (queued + charging >= 2) {
        ack({ success: false, message: 'a resume is already running', data: { code: 'rate_limited' } });
        return;
      }
      charging++;
      void limits.chargeReplay(personOf(socket), stream.lastSeq - since).then((allowed) => {
        charging--;
        if (!allowed) {
          ack({ success: false, message: 'too much of the log replayed this minute, retry later', data: { code: REPLAY_LIMITED } });
          return;
        }
        resumeFrom(since, ack);
      });
    });

    const resumeFrom = (since: number, ack: (answer: ResumeAck) => void) => {
      replay(since).then(
        (last) => ack({ success: true, data: { last_seq: last } } satisfies ResumeAck),
        (err: Error) => {
          log.warn({ err: err.message }, 'resume failed');
          ack({ success: false, message: 'the event log is not available, retry', data: { code: 'service_unavailable' } });
        },
      );
    };

    socket.on('disconnect', (reason) => {
      socketsConnected.dec(labels);
      disconnects.inc({ reason });
      log.debug({ socketId: socket.id, tenantId: socket.data.tenantId, reason, ...labels }, 'socket disconnected');
      const person = placed.get(socket.id);
      if (person !== undefined) {
        placed.delete(socket.id);
        limits.release(person);
      }
      if (expiry) clearTimeout(expiry);
      clearInterval(recheck);
      if (nsp.sockets.size === 0) scheduleIdleClose(nsp);
    });

    const since = parseSince((socket.handshake.auth as HandshakeAuth | undefined)?.since) ?? socket.data.lastSeq;
    replay(since).catch((err: Error) => {
      log.warn({ err: err.message }, 'replay on connect failed; disconnecting so the client retries');
      socket.disconnect(true);
    });
  });

  if (bus) {
    bus.onRecovered(() => {
      redisResyncs.inc();
      for (const stream of streams.values()) {
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
        const nsp = namespaceOf(tenantId);
        if (nsp.sockets.size === 0) scheduleIdleClose(nsp);
        for (const e of list) nsp.serverSideEmit('event', e);
      }
      streams.get(tenantId)?.ingest(list);
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
    stream: (tenantId) => streams.get(tenantId),
    async close() {
      await sweeper?.stop();
      await deps.publisher.flush();
      deps.publisher.detach();
      relay.close();
      for (const t of idleTimers.values()) clearTimeout(t);
      idleTimers.clear();
      for (const s of streams.values()) s.close();
      streams.clear();
      // Closing the transports (not disconnecting the sockets) makes clients reconnect by themselves,
      // to another server behind the balancer or to this one once it is back.
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await bus?.close();
    },
  };
}
