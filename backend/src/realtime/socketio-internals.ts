/**
 * The only place that reaches into Socket.IO's internals, for what its public API does not offer:
 * finding a namespace without creating it, forgetting an idle dynamic namespace (a gym's namespace would
 * otherwise stay in memory for ever), letting a connection's first request go, waiting until a socket's
 * queued packets went out, and sending events encoded once to each WebSocket in one write.
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
  transport: { name: string; perMessageDeflate?: unknown };
  write(data: string, options: { wsPreEncodedFrame?: Buffer[] }): void;
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

/**
 * Lets the connection's first HTTP request go: Socket.IO keeps it for the life of the connection, and
 * nothing needs it once the socket has connected (Socket.IO's memory-usage guide). That frees it for
 * sessions that began by polling; a WebSocket's upgrade request stays referenced by engine.io itself (its
 * WebSocketResponse listens for the TCP socket's close), in the bare server just the same.
 */
export function releaseRequest(socket: Socket): void {
  (socket.conn as unknown as { request: unknown }).request = null;
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

/** Events encoded once for every socket that receives them: their Socket.IO packets, and all their WebSocket frames in one buffer. */
export interface EncodedEvents {
  packets: string[];
  frames: Buffer;
}

type EncoderPacket = Parameters<Server['encoder']['encode']>[0];
/** socket.io-parser's PacketType.EVENT; its enum has separate CommonJS and ES declarations, neither shared. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const EVENT_PACKET: EncoderPacket['type'] = 2;

/** Encodes `events` ([name, payload]) as the namespace's `emit` would, once for all their recipients. */
export function encodeEvents(nsp: Namespace, events: ReadonlyArray<readonly [string, unknown]>): EncodedEvents {
  const packets = events.map(([name, payload]) => {
    const encoded: unknown[] = nsp.server.encoder.encode({ type: EVENT_PACKET, nsp: nsp.name, data: [name, payload] });
    // Binary payloads would encode to several parts; events are JSON.
    if (encoded.length !== 1 || typeof encoded[0] !== 'string') throw new Error(`event ${name} did not encode to one string`);
    return encoded[0];
  });
  // "4" is Engine.IO's message packet type.
  return { packets, frames: Buffer.concat(packets.map((packet) => textFrame(Buffer.from(`4${packet}`)))) };
}

/**
 * Queues encoded events to one socket. To a WebSocket they go as one write holding all their frames (the
 * pre-encoded frame the adapter's broadcasts use, here carrying several messages): events are sent to
 * thousands of sockets at once, and per-socket writes are what fan-out spends its time on. Polling
 * transports queue each packet for the next poll.
 */
export function writeEvents(socket: Socket, encoded: EncodedEvents): void {
  const conn = socket.conn as unknown as ConnectionInternals;
  if (conn.transport.name === 'websocket' && !conn.transport.perMessageDeflate) {
    conn.write(encoded.packets[0]!, { wsPreEncodedFrame: [encoded.frames] });
    return;
  }
  for (const packet of encoded.packets) conn.write(packet, {});
}

/**
 * An unmasked, final text frame (RFC 6455 §5.2), the bytes ws's Sender.frame makes for the adapter. Written
 * out here because that function is not part of ws's typed API and ws is not a dependency of the server's.
 */
function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}
