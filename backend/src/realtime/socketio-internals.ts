/**
 * The only place that reaches into Socket.IO's internals, for what its public API does not offer:
 * finding a namespace without creating it, forgetting an idle dynamic namespace (a gym's namespace would
 * otherwise stay in memory for ever), waiting until a socket's queued packets went out, and sending a
 * batch of events to each WebSocket in one write. tests/realtime/socketio-internals.test.ts fails if an
 * upgrade changes any of them.
 */
import type { Namespace, Server, Socket } from 'socket.io';

interface ServerInternals {
  _nsps: Map<string, Namespace>;
}
interface ParentNamespaceInternals {
  children: Set<Namespace>;
}
interface ConnectionInternals {
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; writable: boolean; socket?: { _socket?: { cork(): void; uncork(): void } } };
  flush(): void;
  once(event: 'drain' | 'close', listener: () => void): void;
  off(event: 'drain' | 'close', listener: () => void): void;
}

/** The namespace of that name if it exists (`io.of` would create it). */
export function existingNamespace(io: Server, name: string): Namespace | undefined {
  return (io as unknown as ServerInternals)._nsps.get(name);
}

/** Removes a namespace created by a parent namespace (a regex) from the server and from its parent. */
export function forgetNamespace(io: Server, parent: Namespace, nsp: Namespace): void {
  (io as unknown as ServerInternals)._nsps.delete(nsp.name);
  (parent as unknown as ParentNamespaceInternals).children.delete(nsp);
}

/** Resolves when the connection has handed its queued packets to the transport (or closed, or after `timeoutMs`). */
export function drained(socket: Socket, timeoutMs = 5000): Promise<void> {
  const conn = socket.conn as unknown as ConnectionInternals;
  if (!conn.writeBuffer.length) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    conn.once('drain', done);
    conn.once('close', done);
  });
}

/**
 * Runs `send` (emits to sockets of `sockets`) so that each WebSocket among them gets everything `send`
 * emits to it in one write. Engine.IO sends a packet as soon as its transport is writable and holds
 * the next until that write is done, so two events to 10,000 sockets cost 20,000 writes, and writes
 * are what fan-out spends its time on. Here the transports are held while `send` runs, their packets
 * queue in the connection, and each connection then flushes them all with its TCP socket corked: one
 * write per socket however many events. Polling transports queue packets for the next poll anyway.
 */
export function inOneWrite(sockets: Iterable<Socket>, send: () => void): void {
  const held: ConnectionInternals[] = [];
  for (const socket of sockets) {
    const conn = socket.conn as unknown as ConnectionInternals;
    if (conn.readyState !== 'open' || conn.transport.name !== 'websocket' || !conn.transport.writable) continue;
    conn.transport.writable = false;
    held.push(conn);
  }
  try {
    send();
  } finally {
    for (const conn of held) {
      conn.transport.writable = true;
      if (!conn.writeBuffer.length) continue;
      const tcp = conn.transport.socket?._socket;
      tcp?.cork();
      conn.flush();
      tcp?.uncork();
    }
  }
}
