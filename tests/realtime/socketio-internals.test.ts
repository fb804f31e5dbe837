/**
 * The Socket.IO internals the product relies on (backend/src/realtime/socketio-internals.ts) still have
 * the shape it expects: an upgrade that changes them fails here, not in production.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, existingNamespace, forgetNamespace, inOneWrite } from '../../backend/src/realtime/socketio-internals.js';

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

  it('sends a batch of broadcasts to each WebSocket in one write, in order', async () => {
    const clients = await Promise.all([join('/tenant/d'), join('/tenant/d'), join('/tenant/d')]);
    const nsp = existingNamespace(io, '/tenant/d')!;
    // Counts the writes each server-side TCP socket makes (one writev or write call each).
    const writes = [...nsp.sockets.values()].map((socket) => {
      const tcp = (socket.conn as unknown as { transport: { socket: { _socket: Record<string, (...a: unknown[]) => unknown> } } }).transport.socket._socket;
      const count = { n: 0 };
      for (const name of ['_write', '_writev']) {
        const original = tcp[name]!.bind(tcp);
        tcp[name] = (...args: unknown[]) => (count.n++, original(...args));
      }
      return count;
    });
    const received = clients.map((client) => {
      const got: string[] = [];
      client.onAny((event: string, n: number) => got.push(`${event}${n}`));
      return got;
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

    nsp.emit('a', 1);
    nsp.emit('b', 2);
    await settle();
    expect(writes.map((w) => w.n)).toEqual([2, 2, 2]);

    for (const w of writes) w.n = 0;
    inOneWrite(nsp.sockets.values(), () => {
      nsp.emit('a', 3);
      nsp.emit('b', 4);
      nsp.except('nobody').emit('c', 5);
    });
    await settle();
    expect(writes.map((w) => w.n)).toEqual([1, 1, 1]);
    expect(received).toEqual(Array.from({ length: 3 }, () => ['a1', 'b2', 'a3', 'b4', 'c5']));
    // The transports are writable again: a later emit goes out at once.
    nsp.emit('d', 6);
    await settle();
    expect(received.map((got) => got.at(-1))).toEqual(['d6', 'd6', 'd6']);
    for (const client of clients) client.close();
  });
});
