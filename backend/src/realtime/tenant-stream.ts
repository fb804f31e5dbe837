/**
 * The events of one tenant on this server, in seq order. Events arrive from this server's commits, from
 * other servers (Redis), from the sweeper and from gap filling, in any order and possibly twice; the
 * stream delivers each exactly once, strictly +1, filling gaps from Postgres. Sockets first catch up from
 * the log (in the `catchup` room, which live broadcasts skip), then leave it in the same tick in which
 * they have everything up to the stream's last seq, so nothing is missed, repeated or reordered.
 */
import type { Namespace, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerEvent,
  ServerToClientEvents,
  SocketData,
  StoredEvent,
} from '../contracts/events.js';
import type { Logger } from '../logger.js';
import { eventEmitDelay, eventsEmitted } from '../metrics/index.js';
import type { EventStore } from './event-store.js';
import { audienceOf, viewKind, viewOf, type ViewKind } from './event-views.js';
import { drained, encodeEvents, writeEvents, type EncodedEvents } from './socketio-internals.js';

export type TenantNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type TenantSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Sockets still replaying from the log; live broadcasts skip them. */
export const CATCHUP_ROOM = 'catchup';
/** Wall displays: checked again when a display token of the tenant is revoked. */
export const DISPLAY_ROOM = 'displays';
/** The sockets of one person: checked again when their access changes. */
export const userRoom = (userId: string) => `user:${userId}`;
/** The sockets of one API key: checked again, and closed, when it is revoked. */
export const keyRoom = (keyId: string) => `key:${keyId}`;
/** The sockets of the keys a person made: checked again when that person's access changes. */
export const keysOfRoom = (userId: string) => `keys-of:${userId}`;

const PAGE = 500;
/** At most this many events share one write (3^16 combinations of views still key a Map exactly). */
const EVENTS_PER_WRITE = 16;

/** An emitter seen without the per-event typing (the event name is only known at run time). */
interface AnyEmitter {
  emit(event: string, payload: ServerEvent): boolean;
}

export interface StreamOptions {
  /** How long an out-of-order event waits for the missing ones before they are read from the log. */
  gapWaitMs: number;
  /** A fresh stream re-reads the log once after this delay, for events sent before its subscription. */
  settleMs: number;
}

export class TenantStream {
  lastSeq = 0;
  readonly ready: Promise<void>;
  private isReady = false;
  private readonly pending = new Map<number, StoredEvent>();
  private gapTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private filling = false;
  private closed = false;

  constructor(
    readonly tenantId: string,
    readonly nsp: TenantNamespace,
    private readonly store: EventStore,
    private readonly log: Logger,
    private readonly options: StreamOptions,
  ) {
    this.ready = this.init();
  }

  /** The log could not be read when the stream started; a new stream replaces it. */
  failed = false;

  private async init(): Promise<void> {
    try {
      this.lastSeq = await this.store.lastSeq(this.tenantId);
    } catch (err) {
      this.failed = true;
      throw err;
    }
    this.isReady = true;
    this.drain();
    this.settleTimer = setTimeout(() => this.resync(), this.options.settleMs);
    this.settleTimer.unref();
  }

  /** Offers events (any order, duplicates allowed); delivers what is next in line. */
  ingest(events: readonly StoredEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      if (e.tenant_id !== this.tenantId) continue;
      if (this.isReady && e.seq <= this.lastSeq) continue;
      this.pending.set(e.seq, e);
    }
    if (this.isReady) this.drain();
  }

  /** Reads the log past the last delivered seq (after a Redis outage, or to settle a fresh stream). */
  resync(): void {
    if (this.closed || !this.isReady) return;
    void this.fill();
  }

  close(): void {
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.pending.clear();
  }

  private drain(): void {
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
    const due: StoredEvent[] = [];
    for (let next = this.pending.get(this.lastSeq + 1); next; next = this.pending.get(next.seq + 1)) {
      this.pending.delete(next.seq);
      due.push(next);
    }
    if (due.length > 0) {
      // A booking's events (booking:created, slots:changed) go to each socket in one write.
      this.deliver(due);
      this.lastSeq = due.at(-1)!.seq;
    }
    if (this.pending.size > 0 && !this.gapTimer && !this.filling) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        void this.fill();
      }, this.options.gapWaitMs);
      this.gapTimer.unref();
    }
  }

  /** Reads every event past lastSeq from the log and delivers it. */
  private async fill(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      for (;;) {
        const rows = await this.store.since(this.tenantId, this.lastSeq, PAGE);
        if (this.closed) return;
        this.ingest(rows);
        if (rows.length < PAGE) break;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message, tenantId: this.tenantId }, 'reading the event log failed; retrying');
      if (!this.closed) {
        this.gapTimer ??= setTimeout(() => {
          this.gapTimer = null;
          void this.fill();
        }, 1000);
        this.gapTimer.unref();
      }
    } finally {
      this.filling = false;
    }
    if (this.pending.size > 0) this.drain();
  }

  /**
   * Events to every live socket of the tenant on this server, each shaped for its recipient (viewKind):
   * one pass over the sockets, each set of views encoded once, one write per socket.
   */
  private deliver(events: readonly StoredEvent[]): void {
    for (const event of events) {
      eventsEmitted.inc({ type: event.type });
      eventEmitDelay.observe(Math.max(0, Date.now() - Date.parse(event.at)) / 1000);
    }
    for (let i = 0; i < events.length; i += EVENTS_PER_WRITE) this.fanOut(events.slice(i, i + EVENTS_PER_WRITE));
  }

  private fanOut(events: readonly StoredEvent[]): void {
    const audiences = events.map(audienceOf);
    const views = events.map(() => [null, null, null] as Array<ServerEvent | null>);
    const viewOfEvent = (i: number, kind: ViewKind) => (views[i]![kind] ??= viewOf(events[i]!, kind));
    // Sockets that get the same views share one encoding, found by their views as a number in base 3.
    const encodings = new Map<number, EncodedEvents | null>();
    const catchingUp = this.nsp.adapter.rooms.get(CATCHUP_ROOM);
    for (const socket of this.nsp.sockets.values()) {
      if (catchingUp?.has(socket.id)) continue;
      let key = 0;
      for (const audience of audiences) key = key * 3 + viewKind(audience, socket.data);
      let encoded = encodings.get(key);
      if (encoded === undefined) {
        const sent: Array<[string, ServerEvent]> = [];
        for (let i = events.length - 1, rest = key; i >= 0; i--, rest = Math.floor(rest / 3)) {
          const kind = (rest % 3) as ViewKind;
          const view = viewOfEvent(i, kind);
          if (view) sent.unshift([events[i]!.type, view]);
        }
        encoded = sent.length ? encodeEvents(this.nsp, sent) : null;
        encodings.set(key, encoded);
      }
      if (encoded) writeEvents(socket, encoded);
    }
  }

  /** The event as one socket receives it; null when it receives nothing of it (another's private event, a key's scopes). */
  private viewFor(socket: TenantSocket, event: StoredEvent): ServerEvent | null {
    return viewOf(event, viewKind(audienceOf(event), socket.data));
  }

  /**
   * Sends a socket every event after `since` (null: nothing old, live from now on), in order, then makes
   * it live. The socket must be in the catchup room. Resolves with the last seq the socket has.
   */
  async catchUp(socket: TenantSocket, since: number | null): Promise<number> {
    await this.ready;
    let cursor = since === null ? this.lastSeq : Math.min(since, this.lastSeq);
    for (;;) {
      if (socket.disconnected) return cursor;
      if (cursor >= this.lastSeq) {
        // Same tick as the check: no live event can fall between the replay and the room change.
        socket.data.lastSeq = cursor;
        void socket.leave(CATCHUP_ROOM);
        return cursor;
      }
      const rows = await this.store.since(this.tenantId, cursor, PAGE);
      // The socket may have gone while the page was read.
      if (gone(socket)) return cursor;
      // The log never runs behind the stream; if rows vanished (tenant deleted), stop rather than spin.
      if (rows.length === 0) cursor = this.lastSeq;
      // Rows past the stream's last seq are new to everyone here: the live sockets get them first.
      this.ingest(rows.filter((r) => r.seq > this.lastSeq));
      for (const row of rows) {
        if (row.seq <= cursor || row.seq > this.lastSeq) continue;
        const view = this.viewFor(socket, row);
        if (view) (socket as unknown as AnyEmitter).emit(row.type, view);
        cursor = row.seq;
      }
      socket.data.lastSeq = cursor;
      // A long replay to a slow client must not pile up in memory: let the page go out first.
      if (rows.length === PAGE) await drained(socket);
    }
  }
}

const gone = (socket: TenantSocket): boolean => socket.disconnected;
