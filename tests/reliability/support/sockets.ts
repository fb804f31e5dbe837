/** Socket.IO clients for the reliability suite: every event recorded, with the contract's resume. */
import { io, type Socket } from 'socket.io-client';
import { tenantNamespace } from '../../../backend/src/contracts/events.js';

export interface Listener {
  socket: Socket;
  /** Every event in arrival order, with the time it arrived (ms). */
  events: Array<{ type: string; event: any; at: number }>;
  /** Highest seq seen (what a client resumes from). */
  lastSeq(): number;
  /** Reconnections after the first connect. */
  reconnects: number;
  close(): void;
}

export interface ListenOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  since?: number;
  reconnection?: boolean;
  /** Namespace override (hostile namespaces in the matrix). */
  namespace?: string;
  authOverride?: unknown;
}

/** Connects and resolves once connected; rejects with the connect_error message. */
export function listen(baseUrl: string, tenantId: string, options: ListenOptions = {}): Promise<Listener> {
  const events: Listener['events'] = [];
  let highest = options.since ?? 0;
  const extraHeaders: Record<string, string> = {};
  if (options.cookie) extraHeaders.cookie = options.cookie;
  if (options.origin) extraHeaders.origin = options.origin;
  const socket = io(baseUrl + (options.namespace ?? tenantNamespace(tenantId)), {
    // Every (re)connection asks for what came after the last event seen, as the web app does.
    auth: options.authOverride !== undefined
      ? (options.authOverride as object)
      : (cb: (data: object) => void) => cb({ ...(options.token !== undefined ? { token: options.token } : {}), since: highest }),
    transports: ['websocket'],
    extraHeaders,
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    forceNew: true,
    timeout: 10_000,
  });
  const listener: Listener = {
    socket,
    events,
    lastSeq: () => highest,
    reconnects: 0,
    close: () => socket.disconnect(),
  };
  socket.onAny((type: string, event: any) => {
    events.push({ type, event, at: Date.now() });
    if (typeof event?.seq === 'number' && event.seq > highest) highest = event.seq;
  });
  let connected = false;
  socket.on('connect', () => {
    if (connected) listener.reconnects++;
    connected = true;
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(listener));
    socket.once('connect_error', (err) => {
      if (connected || options.reconnection) return;
      socket.disconnect();
      reject(err);
    });
  });
}

/** 'connected', or the connect_error message of a refused handshake. */
export async function handshake(baseUrl: string, tenantId: string, options: ListenOptions = {}): Promise<string> {
  try {
    const l = await listen(baseUrl, tenantId, options);
    l.close();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
