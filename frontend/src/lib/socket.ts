/**
 * The one real-time door (docs/realtime.md), typed by the shared contract. It joins the tenant's namespace,
 * remembers the highest `seq` it has seen, asks for everything after it on every (re)connect, drops
 * duplicates, and tells listeners whether it is live or reconnecting. Pages subscribe; none talks to io.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventType, HandshakeAuth, ResumeAck, ServerEvent, ServerToClientEvents } from '$contracts/events.js';
import { tenantNamespace } from '$contracts/events.js';
import { Backoff } from './backoff.js';
import { Listeners, type Handler } from './listeners.js';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'denied';

export const EVENT_TYPES: readonly EventType[] = [
  'occupancy',
  'booking:created',
  'booking:cancelled',
  'slots:changed',
  'workout:started',
  'workout:completed',
  'areas:changed',
  'waitlist:offered',
  'waitlist:changed',
];

type AnyHandler = (type: EventType, event: ServerEvent) => void;

export interface LiveSocketOptions {
  tenantId: string;
  /** A display token or access JWT; absent means the web-session cookie authenticates the handshake. */
  token?: string | null;
  /** Resume point kept from an earlier page life (the display keeps it in localStorage). */
  since?: number | null;
}

export class LiveSocket {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private handlers = new Listeners();
  private anyHandlers = new Set<AnyHandler>();
  private stateHandlers = new Set<(state: ConnectionState) => void>();
  private syncHandlers = new Set<() => void>();
  private seqHandlers = new Set<(seq: number) => void>();
  private everConnected = false;
  /** For the reconnects we start ourselves; socket.io's own manager backs off exponentially too (reconnectionDelay…Max). */
  private backoff = new Backoff(1000, 30_000);
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  state: ConnectionState = 'offline';
  lastSeq: number | null = null;

  constructor(private readonly options: LiveSocketOptions) {
    this.lastSeq = options.since ?? null;
  }

  get tenantId(): string {
    return this.options.tenantId;
  }

  connect(): void {
    if (this.socket) return;
    this.setState('connecting');
    // Read at every (re)connect: the server replays everything after `since` before any live event.
    const auth = (cb: (data: HandshakeAuth) => void) => {
      const data: HandshakeAuth = {};
      if (this.options.token) data.token = this.options.token;
      if (this.lastSeq !== null) data.since = this.lastSeq;
      cb(data);
    };
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(tenantNamespace(this.options.tenantId), {
      auth,
      withCredentials: true,
      // WebSocket first: the session then lives where its one connection landed, and no request of it
      // ever needs forwarding between workers; long-polling only where WebSocket cannot get through.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
      timeout: 8000,
    });
    this.socket = socket;

    socket.on('connect', () => {
      this.everConnected = true;
      this.backoff.reset();
      this.resume();
    });
    socket.on('disconnect', (reason) => {
      // A server-side disconnect (restart, expiry) does not reconnect by itself; keep trying.
      this.setState('reconnecting');
      if (reason === 'io server disconnect') this.retry(socket);
    });
    socket.on('connect_error', (err) => {
      // A refused credential is final: retrying it would only be refused again (the screen asks for a new one).
      if (err.message === 'unauthorized' || err.message === 'forbidden') {
        this.setState('denied');
        socket.disconnect();
        return;
      }
      this.setState(this.everConnected ? 'reconnecting' : 'connecting');
      // Too many open screens of this person, or too much replayed this minute: wait longer before retrying.
      const busy = err.message === 'too_many_connections' || err.message === 'replay_limited';
      // Middleware refusals leave the socket inactive; other failures retry through the manager.
      if (!socket.active) this.retry(socket, busy ? 15_000 : 0);
    });
    for (const type of EVENT_TYPES) {
      socket.on(type, (event: ServerEvent) => this.deliver(type, event));
    }
  }

  /**
   * After a connect. With a resume point the handshake's `since` already replayed what was missed; this
   * `resume` (idempotent, in order on the server) confirms where the log stands. Without one there is
   * nothing to replay (the views take a fresh snapshot): a `since` beyond the log's end just answers it.
   */
  private resume(): void {
    const socket = this.socket;
    if (!socket) return;
    const synced = () => {
      this.setState('online');
      for (const h of this.syncHandlers) h();
    };
    socket.timeout(10_000).emit('resume', { since: this.lastSeq ?? Number.MAX_SAFE_INTEGER }, (err: Error | null, answer?: ResumeAck) => {
      if (!err && answer && !answer.success && (answer.data as { code?: string }).code === 'replay_limited') {
        // The replay budget of this minute is spent: ask again a little later.
        setTimeout(() => this.resume(), 15_000);
        return;
      }
      const last = !err && answer?.success ? (answer.data as { last_seq?: number }).last_seq : undefined;
      // Normally the replay already brought us to `last`. A `last` below ours means the log is not the one
      // we remembered (a fresh database): take the server's position, or every new event would look old.
      if (typeof last === 'number' && last !== this.lastSeq) this.setSeq(last);
      synced();
    });
  }

  /** Reconnects after the next back-off step, and never sooner than `atLeastMs`. */
  private retry(socket: Socket<ServerToClientEvents, ClientToServerEvents>, atLeastMs = 0): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket === socket) socket.connect();
    }, Math.max(atLeastMs, this.backoff.next()));
  }

  private setSeq(seq: number): void {
    this.lastSeq = seq;
    for (const h of this.seqHandlers) h(seq);
  }

  private deliver(type: EventType, event: ServerEvent): void {
    if (typeof event.seq === 'number') {
      if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
      this.setSeq(event.seq);
    }
    this.handlers.emit(type, event);
    for (const h of this.anyHandlers) h(type, event);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const h of this.stateHandlers) h(state);
  }

  on<K extends EventType>(type: K, handler: Handler<K>): () => void {
    return this.handlers.on(type, handler);
  }

  onAny(handler: AnyHandler): () => void {
    this.anyHandlers.add(handler);
    return () => this.anyHandlers.delete(handler);
  }

  onState(handler: (state: ConnectionState) => void): () => void {
    this.stateHandlers.add(handler);
    handler(this.state);
    return () => this.stateHandlers.delete(handler);
  }

  /** Called after every (re)connect once the replay is through: views refresh their snapshot here. */
  onSynced(handler: () => void): () => void {
    this.syncHandlers.add(handler);
    return () => this.syncHandlers.delete(handler);
  }

  onSeq(handler: (seq: number) => void): () => void {
    this.seqHandlers.add(handler);
    return () => this.seqHandlers.delete(handler);
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.setState('offline');
  }
}
