/**
 * The socket handshake's checks: origin, `since`, and the credentials, which are an access JWT, a
 * display token or an API key in `auth.token` (or an `Authorization: Bearer` header), or the web session cookie, all
 * resolved by the same code as HTTP requests. Their verdict is the socket's tenant and identity
 * (socket.data), written by admission.ts only.
 */
import type { IncomingMessage } from 'node:http';
import { CONNECT_ERRORS, type ConnectErrorMessage, type HandshakeAuth, type SocketData, type SocketRole } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { edgeOf, type Edge } from '../http/edge.js';
import { resolveCredentials } from '../modules/auth/credentials.js';
import type { TenantSocket } from './tenant-stream.js';

export const NAMESPACE_PREFIX = '/tenant/';
const SOCKET_ROLES: readonly string[] = ['member', 'trainer', 'owner', 'display', 'api_key'] satisfies SocketRole[];

export type Verdict =
  | { ok: true; data: Omit<SocketData, 'lastSeq' | 'address'> }
  | { ok: false; message: ConnectErrorMessage };

/**
 * The client's address as the edge sees it (behind a trusted proxy, the forwarded one). Read once, at
 * the handshake: the request is released when the socket connects (session.ts), and a second namespace
 * opened on the same connection later has none, so only the peer's address is known then.
 */
export function handshakeAddress(deps: AppDeps, socket: TenantSocket): string {
  // socket.request is typed as always there; releaseRequest (socketio-internals.ts) clears it.
  const request = socket.request as IncomingMessage | null;
  return request ? edgeOf(deps.config).clientAddress(request) : socket.handshake.address;
}

/**
 * Checks what a socket presented in its handshake against the namespace's tenant. Run at connection
 * and again now and then: a revoked display token or login must not keep its socket open.
 */
export async function checkCredentials(deps: AppDeps, socket: TenantSocket, address: string): Promise<Verdict> {
  const tenantId = socket.nsp.name.slice(NAMESPACE_PREFIX.length);
  const auth = socket.handshake.auth as HandshakeAuth;
  const bearer = /^Bearer\s+(\S+)$/i.exec(socket.handshake.headers.authorization ?? '')?.[1];
  const token = typeof auth.token === 'string' && auth.token.length > 0 ? auth.token : bearer;
  const cookieHeader = token ? undefined : socket.handshake.headers.cookie;
  let creds;
  try {
    creds = token || cookieHeader ? await resolveCredentials(deps, { token, cookieHeader, address }) : null;
  } catch (err) {
    deps.log.error({ err }, 'socket handshake: resolving credentials failed');
    return { ok: false, message: CONNECT_ERRORS.unavailable };
  }
  if (!creds || (creds.expiresAt !== null && creds.expiresAt * 1000 <= Date.now())) {
    return { ok: false, message: CONNECT_ERRORS.unauthorized };
  }
  if (!creds.tenantId || creds.tenantId !== tenantId || !SOCKET_ROLES.includes(creds.role)) {
    return { ok: false, message: CONNECT_ERRORS.forbidden };
  }
  const data = { tenantId, userId: creds.userId, role: creds.role as SocketRole, expiresAt: creds.expiresAt };
  return { ok: true, data: creds.apiKey ? { ...data, apiKey: creds.apiKey } : data };
}

/** The `since` a client asked for, or null when absent or not a non-negative integer. */
export function parseSince(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Browsers send Origin; a page of another site must not open a socket with the user's cookie. Allowed:
 * no Origin (not a browser) and the product's own origins (http/edge.ts, the same rule as CORS).
 */
export function originAllowed(req: IncomingMessage, edge: Edge): boolean {
  const origin = req.headers.origin;
  return !origin || edge.originAllowed(origin);
}
