/**
 * Revocations reach open sockets at once, on every server: the auth module announces a committed
 * revocation (see modules/auth/revocations.ts), this relay carries it to the other workers and nodes
 * through the adapter (`serverSideEmit` on the main namespace, which every server has), and each server
 * checks the concerned sockets it holds again: the person's (their room, and the sockets of the API keys
 * they made, which hold only while their creator is an active owner), the tenant's displays, one API
 * key's, or all of a tenant's. A socket whose credentials no longer hold is disconnected (its reconnect is refused
 * with `unauthorized`); one that still holds takes its current role (a demoted trainer gets the public views).
 */
import { CONNECT_ERRORS, tenantNamespace, type RevocationNotice } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { isUuid } from '../contracts/common.js';
import { checkCredentials } from './handshake.js';
import { existingNamespace } from './socketio-internals.js';
import type { IoServer } from './realtime.js';
import { DISPLAY_ROOM, keyRoom, keysOfRoom, userRoom, type TenantSocket } from './tenant-stream.js';

/** Checks a connected socket's credentials again; ends it when they no longer hold, else refreshes its role. */
export async function reevaluate(deps: AppDeps, socket: TenantSocket): Promise<void> {
  const verdict = await checkCredentials(deps, socket, socket.data.address);
  if (!socket.connected) return;
  if (!verdict.ok) {
    // A database hiccup does not end a socket; the next check decides.
    if (verdict.message !== CONNECT_ERRORS.unavailable) socket.disconnect(true);
    return;
  }
  // Delivery reads the role of each socket (event-views.ts): a demoted trainer sees no names from now on.
  socket.data.role = verdict.data.role;
}

const validNotice = (n: unknown): n is RevocationNotice => {
  const v = n as Partial<Record<'kind' | 'tenantId' | 'userId' | 'keyId', unknown>> | null;
  if (!v || typeof v !== 'object') return false;
  if (v.kind === 'user') return isUuid(v.userId) && (v.tenantId === null || isUuid(v.tenantId));
  if (v.kind === 'api_key') return isUuid(v.keyId) && isUuid(v.tenantId);
  return (v.kind === 'display' || v.kind === 'tenant') && isUuid(v.tenantId);
};

/** `clustered`: an adapter connects this server to others (the in-memory one has no serverSideEmit). */
export function startRevocationRelay(io: IoServer, deps: AppDeps, clustered: boolean): { close(): void } {
  const channel = deps.revocations;
  if (clustered) channel.attach((notice) => io.serverSideEmit('revocation', notice));
  const main = io.of('/');
  const onRemote = (notice: unknown) => {
    if (validNotice(notice)) channel.received(notice);
  };
  main.on('revocation', onRemote);

  const stop = channel.onApplied((notice) => {
    if (!notice.tenantId) return; // platform users have no sockets
    const nsp = existingNamespace(io, tenantNamespace(notice.tenantId));
    if (!nsp) return;
    const rooms = notice.kind === 'user' ? [userRoom(notice.userId), keysOfRoom(notice.userId)]
      : notice.kind === 'display' ? [DISPLAY_ROOM]
      : notice.kind === 'api_key' ? [keyRoom(notice.keyId)]
      : null;
    const ids = rooms ? rooms.flatMap((room) => [...(nsp.adapter.rooms.get(room) ?? [])]) : [...nsp.sockets.keys()];
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      if (socket) reevaluate(deps, socket as TenantSocket).catch((err: unknown) => deps.log.warn({ err }, 'socket re-check failed'));
    }
  });
  return {
    close() {
      stop();
      channel.detach();
      main.off('revocation', onRemote);
    },
  };
}
