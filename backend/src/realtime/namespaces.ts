/**
 * The tenant namespaces of one server and their streams: a namespace is wired to its tenant's stream
 * once, gets a new stream when its old one failed or belonged to a namespace that was closed, and is
 * closed (with its Redis subscriptions) when nobody uses it any more — never under a handshake still in
 * progress.
 */
import type { Namespace, Server } from 'socket.io';
import { tenantNamespace, type StoredEvent } from '../contracts/events.js';
import { NAMESPACE_PREFIX } from './handshake.js';
import { existingNamespace, forgetNamespace } from './socketio-internals.js';
import type { TenantNamespace } from './tenant-stream.js';

/** What the registry needs of a stream. */
export interface RegisteredStream {
  readonly nsp: TenantNamespace;
  readonly failed: boolean;
  ingest(events: StoredEvent[]): void;
  resync(): void;
  close(): void;
}

export interface NamespaceRegistry<S extends RegisteredStream> {
  /** The tenant's namespace on this server (created by Socket.IO on first use). */
  namespaceOf(tenantId: string): TenantNamespace;
  /** The namespace's stream, created (and the namespace wired to it) on first use or after a failure. */
  streamOf(nsp: TenantNamespace): S;
  /** The tenant's stream, if one of its sockets is connected here. */
  stream(tenantId: string): S | undefined;
  streams(): IterableIterator<S>;
  /** A handshake starts or ends in this namespace: it is not closed meanwhile. */
  handshakeStarted(nsp: Namespace): void;
  handshakeEnded(nsp: Namespace): void;
  /** A socket connected: the namespace is in use. */
  inUse(nsp: Namespace): void;
  /** Closes the namespace after `delayMs` unless somebody uses it by then. */
  scheduleIdleClose(nsp: Namespace, delayMs?: number): void;
  close(): void;
}

export function namespaceRegistry<S extends RegisteredStream>(
  io: Server,
  parent: Namespace,
  createStream: (tenantId: string, nsp: TenantNamespace) => S,
  idleNamespaceMs: number,
): NamespaceRegistry<S> {
  const streams = new Map<string, S>();
  const idleTimers = new Map<string, NodeJS.Timeout>();
  const handshakes = new Map<Namespace, number>();
  /** Namespaces whose cluster messages reach their stream: wired once, whatever streams come and go. */
  const wired = new WeakSet<Namespace>();
  const tenantOf = (nsp: Namespace) => nsp.name.slice(NAMESPACE_PREFIX.length);

  const closeNamespace = (nsp: Namespace) => {
    const tenantId = tenantOf(nsp);
    const stream = streams.get(tenantId);
    if (stream?.nsp === nsp) {
      stream.close();
      streams.delete(tenantId);
    }
    void Promise.resolve(nsp.adapter.close()).catch(() => undefined);
    forgetNamespace(io, parent, nsp);
  };

  const registry: NamespaceRegistry<S> = {
    namespaceOf: (tenantId) => io.of(tenantNamespace(tenantId)) as TenantNamespace,
    streamOf(nsp) {
      const tenantId = tenantOf(nsp);
      let stream = streams.get(tenantId);
      if (stream && (stream.nsp !== nsp || stream.failed)) {
        stream.close();
        stream = undefined;
      }
      if (!stream) {
        stream = createStream(tenantId, nsp);
        streams.set(tenantId, stream);
      }
      if (!wired.has(nsp)) {
        wired.add(nsp);
        nsp.on('events', (events: StoredEvent[]) => streams.get(tenantId)?.ingest(events));
        nsp.on('event', (event: StoredEvent) => streams.get(tenantId)?.ingest([event]));
        nsp.on('resync', () => streams.get(tenantId)?.resync());
      }
      return stream;
    },
    stream: (tenantId) => streams.get(tenantId),
    streams: () => streams.values(),
    handshakeStarted: (nsp) => void handshakes.set(nsp, (handshakes.get(nsp) ?? 0) + 1),
    handshakeEnded(nsp) {
      const left = (handshakes.get(nsp) ?? 1) - 1;
      if (left > 0) handshakes.set(nsp, left);
      else handshakes.delete(nsp);
    },
    inUse: (nsp) => clearTimeout(idleTimers.get(nsp.name)),
    scheduleIdleClose(nsp, delayMs = idleNamespaceMs) {
      clearTimeout(idleTimers.get(nsp.name));
      const timer = setTimeout(() => {
        idleTimers.delete(nsp.name);
        if (nsp.sockets.size > 0 || handshakes.has(nsp) || existingNamespace(io, nsp.name) !== nsp) return;
        closeNamespace(nsp);
      }, delayMs);
      timer.unref();
      idleTimers.set(nsp.name, timer);
    },
    close() {
      for (const t of idleTimers.values()) clearTimeout(t);
      idleTimers.clear();
      for (const s of streams.values()) s.close();
      streams.clear();
    },
  };
  return registry;
}
