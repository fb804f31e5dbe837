/**
 * The Socket.IO internals the product relies on (backend/src/realtime/socketio-internals.ts) still have
 * the shape it expects: an upgrade that changes them fails here, not in production.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, encodeEvents, existingNamespace, forgetNamespace, releaseRequest, writeEvents } from '../../backend/src/realtime/socketio-internals.js';

describe('Socket.IO internals', () => {
  const http = createServer();
  const io = new Server(http);
  const parent = io.of(/^\/tenant\/[a-z0-9-]+$/);
  const connected: Socket[] = [];
  parent.on('connection', (socket) => void connected.push(socket));
  let url = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await io.close();
  });

  async function join(name: string) {
    const client = connect(url + name, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  }

  it('finds a namespace a parent created, without creating one', async () => {
    expect(existingNamespace(io, '/tenant/a')).toBeUndefined();
    const client = await join('/tenant/a');
    const nsp = existingNamespace(io, '/tenant/a');
    expect(nsp?.name).toBe('/tenant/a');
    expect(existingNamespace(io, '/tenant/never')).toBeUndefined();
    client.close();
  });

  it('forgets a namespace in the server and in its parent', async () => {
    const client = await join('/tenant/b');
    const nsp = existingNamespace(io, '/tenant/b') as Namespace;
    const children = (parent as unknown as { children: Set<Namespace> }).children;
    expect(children.has(nsp)).toBe(true);
    client.close();
    forgetNamespace(io, parent, nsp);
    expect(existingNamespace(io, '/tenant/b')).toBeUndefined();
    expect(children.has(nsp)).toBe(false);
    // The next connection gets a fresh namespace.
    const again = await join('/tenant/b');
    expect(existingNamespace(io, '/tenant/b')).not.toBe(nsp);
    again.close();
  });

  it('lets a connected socket’s first request go, and the socket carries on', async () => {
    const client = await join('/tenant/r');
    const socket = connected.at(-1)!;
    expect(socket.request.headers).toBeTypeOf('object');
    releaseRequest(socket);
    expect(socket.request as unknown).toBeNull();
    expect(socket.handshake.headers).toBeTypeOf('object');
    const got = new Promise<string>((resolve) => client.once('hello', resolve));
    socket.emit('hello', 'still here');
    expect(await got).toBe('still here');
    client.close();
  });

  it('waits for a socket’s queued packets to go out', async () => {
    const client = await join('/tenant/c');
    const socket = connected.at(-1)!;
    expect(Array.isArray((socket.conn as unknown as { writeBuffer: unknown }).writeBuffer)).toBe(true);
    const got = new Promise<number>((resolve) => client.on('n', (n: number) => { if (n === 999) resolve(n); }));
    for (let i = 0; i < 1000; i++) socket.emit('n', i);
    await drained(socket, 2000);
    expect(await got).toBe(999);
    client.close();
  });

  it('writes events encoded once to each WebSocket in one write, in order, and to polling clients', async () => {
    const clients = await Promise.all([join('/tenant/d'), join('/tenant/d'), join('/tenant/d')]);
    const polling = connect(`${url}/tenant/d`, { transports: ['polling'], forceNew: true });
    await new Promise<void>((resolve) => polling.once('connect', resolve));
    const nsp = existingNamespace(io, '/tenant/d')!;
    const sockets = [...nsp.sockets.values()];
    const websockets = sockets.filter((socket) => socket.conn.transport.name === 'websocket');
    expect(websockets).toHaveLength(3);
    // Counts the writes each server-side TCP socket makes (one writev or write call each).
    const writes = websockets.map((socket) => {
      const tcp = (socket.conn as unknown as { transport: { socket: { _socket: Record<string, (...a: unknown[]) => unknown> } } }).transport.socket._socket;
      const count = { n: 0 };
      for (const name of ['_write', '_writev']) {
        const original = tcp[name]!.bind(tcp);
        tcp[name] = (...args: unknown[]) => (count.n++, original(...args));
      }
      return count;
    });
    const received = [...clients, polling].map((client) => {
      const got: unknown[] = [];
      client.onAny((event: string, payload: unknown) => got.push([event, payload]));
      return got;
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

    // Frames of each length class: one-byte, two-byte and eight-byte lengths.
    const events: Array<[string, unknown]> = [['a', 1], ['b', { text: 'x'.repeat(300) }], ['c', { text: 'é'.repeat(40_000) }]];
    const encoded = encodeEvents(nsp, events);
    expect(encoded.packets).toHaveLength(3);
    for (const socket of sockets) writeEvents(socket, encoded);
    await settle();
    expect(writes.map((w) => w.n)).toEqual([1, 1, 1]);
    expect(received).toEqual(Array.from({ length: 4 }, () => events));
    // The connections carry on as usual: a later emit and a wait for the queue both work.
    nsp.emit('d', 6);
    await Promise.all(sockets.map((socket) => drained(socket, 2000)));
    await settle();
    expect(received.map((got) => got.at(-1))).toEqual(Array.from({ length: 4 }, () => ['d', 6]));
    for (const client of [...clients, polling]) client.close();
  });
});
