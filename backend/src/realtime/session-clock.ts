/**
 * When each socket's credentials are next looked at: at the end of its token's life, and now and then
 * before that (a revoked display token or login must not keep its socket open; revocations are also
 * announced at once, see revocation-relay.ts, this is the backstop). One timer for all the sockets of a
 * server, ticking over buckets of the sockets due in each tick: a timer or two per socket (each with its
 * own random period, so each its own timer list in Node) cost more memory than the rest of a socket's
 * own state, and one server is meant to hold 100,000 of them.
 */
import type { TenantSocket } from './tenant-stream.js';

export interface SessionClock {
  /** Watches a connected socket until `forget`. */
  watch(socket: TenantSocket): void;
  forget(socket: TenantSocket): void;
  close(): void;
}

export interface SessionClockOptions {
  /** About how often a socket is checked again; each socket's period is spread over 0.75–1.25 of it. */
  recheckMs: number;
  /** The socket's credential expired (socket.data.expiresAt). */
  expired: (socket: TenantSocket) => void;
  /** Time for the socket's periodic check. */
  recheck: (socket: TenantSocket) => void;
  /** Default: a quarter of recheckMs, at most a second. */
  tickMs?: number;
}

export function createSessionClock({ recheckMs, expired, recheck, tickMs = Math.min(1000, Math.max(10, recheckMs / 4)) }: SessionClockOptions): SessionClock {
  const buckets = new Map<number, Set<TenantSocket>>();
  const slotOf = new Map<TenantSocket, number>();
  /** The last tick whose bucket was handled; later sockets go to later buckets. */
  let handled = Math.floor(Date.now() / tickMs);

  const schedule = (socket: TenantSocket, now: number) => {
    const { expiresAt } = socket.data;
    const due = Math.min(now + recheckMs * (0.75 + Math.random() / 2), expiresAt === null ? Infinity : expiresAt * 1000);
    const slot = Math.max(Math.ceil(due / tickMs), handled + 1);
    let bucket = buckets.get(slot);
    if (!bucket) buckets.set(slot, (bucket = new Set()));
    bucket.add(socket);
    slotOf.set(socket, slot);
  };

  const timer = setInterval(() => {
    const now = Date.now();
    const current = Math.floor(now / tickMs);
    while (handled < current) {
      const bucket = buckets.get(++handled);
      if (!bucket) continue;
      buckets.delete(handled);
      for (const socket of bucket) {
        slotOf.delete(socket);
        const { expiresAt } = socket.data;
        if (expiresAt !== null && expiresAt * 1000 <= now) {
          // A token that expires unrefreshed ends the connection; the client reconnects with a new one.
          expired(socket);
          continue;
        }
        recheck(socket);
        if (socket.connected) schedule(socket, now);
      }
    }
  }, tickMs);
  timer.unref();

  return {
    watch: (socket) => schedule(socket, Date.now()),
    forget(socket) {
      const slot = slotOf.get(socket);
      if (slot === undefined) return;
      slotOf.delete(socket);
      const bucket = buckets.get(slot);
      bucket?.delete(socket);
      if (bucket?.size === 0) buckets.delete(slot);
    },
    close() {
      clearInterval(timer);
      buckets.clear();
      slotOf.clear();
    },
  };
}
