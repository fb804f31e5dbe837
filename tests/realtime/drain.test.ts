/**
 * SIGTERM drains a node, with real processes: two product clusters (primary + workers) on one database
 * and one private Redis, behind a small TCP balancer that, as nginx does, sends each new connection to
 * the first node that accepts it. While node A drains, its readiness says 503 and it still serves; a
 * request that started before the signal completes; then A's sockets are told to reconnect, land on B
 * and resume with no seq missing.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../../backend/src/config.js';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER } from '../../backend/src/db/unit-of-work.js';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { freePort, privateRedis, sleep, startProductCluster, type PrivateRedis, type ProductCluster } from '../support/processes.js';
import { withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { connect, type Client } from './helpers.js';

const DRAIN_SECONDS = 4;

/** Each connection goes to the first node that accepts it (a refused one is skipped, as by nginx). */
function balancer(ports: number[]): Promise<{ url: string; close(): void }> {
  const server = net.createServer((client) => {
    const tryNode = (i: number) => {
      if (i >= ports.length) return client.destroy();
      const node = net.connect({ host: '127.0.0.1', port: ports[i]! });
      node.once('error', () => (node.readyState === 'opening' || !node.bytesRead ? tryNode(i + 1) : client.destroy()));
      node.once('connect', () => {
        node.removeAllListeners('error');
        node.on('error', () => client.destroy());
        client.on('error', () => node.destroy());
        client.pipe(node).pipe(client);
      });
    };
    client.pause();
    tryNode(0);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() })),
  );
}

const exited = (cluster: ProductCluster) =>
  cluster.primary.exitCode !== null || cluster.primary.signalCode !== null
    ? Promise.resolve(cluster.primary.exitCode)
    : new Promise<number | null>((resolve) => cluster.primary.once('exit', resolve));

describe.runIf(withPostgres && withRedis)('drain on SIGTERM', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let a: ProductCluster;
  let b: ProductCluster;
  let lb: { url: string; close(): void };
  let db: Database;
  let member: string;
  let demo: string;
  let areaId: string;
  let slot = 0;

  const book = (base: string, headers: Record<string, string> = {}) => {
    const i = slot++;
    // Weeks ahead, past the demo members’ own bookings (db/seeds/demo.ts) and the slow request’s day, whatever the hour in Athens.
    const date = new Date(Date.now() + (40 + Math.floor(i / 12)) * 86400_000).toISOString().slice(0, 10);
    return fetch(`${base}/api/book-room`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), ...headers },
      body: JSON.stringify({ room_id: areaId, date, time: `${String(8 + (i % 12)).padStart(2, '0')}:00` }),
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await privateRedis();
    const extra = { DRAIN_SECONDS: String(DRAIN_SECONDS) };
    a = await startProductCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url, extra });
    b = await startProductCluster({ DATABASE_URL: database.url, REDIS_URL: redis.url, extra: { ...extra, SEED_DEMO: 'false' } });
    lb = await balancer([Number(new URL(a.url).port), Number(new URL(b.url).port)]);
    db = await openDatabase(loadDatabaseConfig({ DATABASE_URL: database.url }).database, { migrate: false });
    demo = (await createUnitOfWork(db, LATER).inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id;
    areaId = (await factories(db, createUnitOfWork(db, LATER)).area(demo, { booking_capacity: 100, capacity: 100, slot_minutes: 60 })).id;
    member = (await login(a.url, 'demo', 'member', 'member123')).access_token;
  }, 180_000);

  afterAll(async () => {
    lb?.close();
    await a?.stop();
    await b?.stop();
    await db?.close();
    await redis?.kill();
    await database?.drop();
  }, 90_000);

  it('answers readiness 503 at once, keeps serving, finishes a request in flight, and sends its sockets to the other node', async () => {
    // Through the balancer, every connection lands on A while A accepts.
    const client: Client = await connect(lb.url, demo, { token: member }, { reconnection: true });
    expect((await book(lb.url)).status).toBe(201);
    const reasons: string[] = [];
    client.socket.on('disconnect', (reason) => reasons.push(reason));
    const reconnected = new Promise<void>((resolve) => client.socket.io.on('reconnect', () => resolve()));

    // A request in flight at the signal: its headers are sent, its body comes only after the drain.
    const body = JSON.stringify({ room_id: areaId, date: new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10), time: '10:00' });
    let finishSlow = () => {};
    const slow = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${a.url}/api/book-room`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': crypto.randomUUID() },
      }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      finishSlow = () => req.end(body.slice(10));
    });
    await sleep(300);

    a.primary.kill('SIGTERM');
    const gone = exited(a);
    // Draining: not ready, still serving (a booking straight to A succeeds).
    let ready = await fetch(`${a.url}/readyz`);
    for (let i = 0; ready.status !== 503 && i < 50; i++) {
      await sleep(100);
      ready = await fetch(`${a.url}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect((await ready.json()).data.details).toMatchObject({ draining: 'true', database: 'ok', migrations: 'current' });
    const whileDraining = await book(a.url);
    expect(whileDraining.status, await whileDraining.clone().text()).toBe(201);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);

    // The drain period passes; the request that started before it is still waited for.
    await sleep(DRAIN_SECONDS * 1000 + 1500);
    expect(a.primary.exitCode).toBeNull();
    finishSlow();
    const answer = await slow;
    expect(answer.status, answer.text).toBe(201);

    // The socket was told to reconnect (a transport close, which the client retries by itself) and did, on B.
    await reconnected;
    expect(reasons[0]).toMatch(/transport close|transport error/);
    expect(await gone).toBe(0);
    const before = client.seqs().at(-1) ?? 0;
    const made = await book(lb.url);
    expect(made.status, await made.clone().text()).toBe(201);
    for (let i = 0; client.seqs().at(-1)! <= before + 1 && i < 100; i++) await sleep(100);
    const seqs = client.seqs();
    // Every seq from the first to the last, each once, in order: nothing missing across the move.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(seqs.at(-1)).toBeGreaterThan(before);
    client.close();
  }, 120_000);
});
