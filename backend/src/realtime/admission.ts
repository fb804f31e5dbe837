/**
 * Who may join a tenant namespace: the handshake's credentials (handshake.ts), then the person's
 * socket cap and replay budget (person-limits.ts). The stream learns the tenant's last seq before the
 * client hears `connect`, so a client without `since` gets every event committed after it connected.
 * Any failure on the way is a refusal the client can retry (`unavailable`), never a handshake left hanging.
 */
import { CONNECT_ERRORS, type HandshakeAuth } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { handshakes as handshakeCount } from '../metrics/index.js';
import { checkCredentials, handshakeAddress, parseSince } from './handshake.js';
import type { NamespaceRegistry } from './namespaces.js';
import { personOf, type PersonLimits } from './person-limits.js';
import type { TenantNamespace, TenantSocket, TenantStream } from './tenant-stream.js';

export type Admit = (socket: TenantSocket, next: (err?: Error) => void) => void;

export function admission(
  deps: AppDeps,
  namespaces: NamespaceRegistry<TenantStream>,
  limits: PersonLimits,
  /** Sockets holding a place of their person (socket id → person), given back at disconnect. */
  placed: Map<string, string>,
): Admit {
  const refusal = async (socket: TenantSocket): Promise<Error | undefined> => {
    const address = handshakeAddress(deps, socket);
    const verdict = await checkCredentials(deps, socket, address);
    if (!verdict.ok) return new Error(verdict.message);
    // One literal with every field (apiKey undefined for people): a spread gave every socket's data a
    // hidden class of its own (~250 B each).
    const { tenantId, userId, role, expiresAt, apiKey } = verdict.data;
    socket.data = { tenantId, userId, role, expiresAt, apiKey, address, lastSeq: 0 };
    const stream = namespaces.streamOf(socket.nsp as TenantNamespace);
    await stream.ready;
    socket.data.lastSeq = stream.lastSeq;
    const person = personOf(socket);
    if (!(await limits.acquire(person))) return new Error(CONNECT_ERRORS.tooManyConnections);
    const since = parseSince((socket.handshake.auth as HandshakeAuth | undefined)?.since);
    if (since !== null && !(await limits.chargeReplay(person, stream.lastSeq - since))) {
      limits.release(person);
      return new Error(CONNECT_ERRORS.replayLimited);
    }
    placed.set(socket.id, person);
    return undefined;
  };

  // Settles every handshake itself (refused, accepted or failed), so nothing is left to await.
  const admit = async (socket: TenantSocket, next: (err?: Error) => void) => {
    const nsp = socket.nsp;
    namespaces.handshakeStarted(nsp);
    let refused: Error | undefined;
    try {
      refused = await refusal(socket);
      handshakeCount.inc(refused ? { result: 'refused', reason: refused.message } : { result: 'accepted', reason: '' });
    } catch (err) {
      deps.log.warn({ err }, 'socket handshake failed');
      refused = new Error(CONNECT_ERRORS.unavailable);
      handshakeCount.inc({ result: 'refused', reason: CONNECT_ERRORS.unavailable });
    } finally {
      namespaces.handshakeEnded(nsp);
      // A refused handshake still created the child namespace (and its Redis subscriptions): close it
      // soon unless somebody connects, so that knocking on random namespaces costs the server nothing.
      if (nsp.sockets.size === 0) namespaces.scheduleIdleClose(nsp, refused ? 1000 : undefined);
    }
    next(refused);
  };
  return (socket, next) => void admit(socket, next);
}
