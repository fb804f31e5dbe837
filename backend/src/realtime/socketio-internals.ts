/**
 * The only place that reaches into Socket.IO's internals, for what its public API does not offer:
 * finding a namespace without creating it, forgetting an idle dynamic namespace (a gym's namespace would
 * otherwise stay in memory for ever), and waiting until a socket's queued packets went out.
 * tests/realtime/socketio-internals.test.ts fails if an upgrade changes any of them.
 */
import type { Namespace, Server, Socket } from 'socket.io';

interface ServerInternals {
  _nsps: Map<string, Namespace>;
}
interface ParentNamespaceInternals {
  children: Set<Namespace>;
}
interface ConnectionInternals {
  writeBuffer: unknown[];
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
