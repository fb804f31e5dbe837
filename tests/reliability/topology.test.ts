/**
 * The production topology with real processes on loopback: Debian's nginx in front of two app nodes,
 * each a cluster primary with two workers, one PostgreSQL, one Redis (scripts/cluster.ts, the same nginx
 * template as docker-compose). nginx keeps a client on one node by its address, so clients and callers
 * here use different loopback source addresses to reach a chosen node.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { startCluster, type Cluster } from '../../scripts/cluster.js';
import { ensureBuilt } from '../browser/support.js';
import { IN_CI, REDIS_URL, withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

function hasNginx(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' });
    return true;
  } catch {
    if (IN_CI) throw new Error('CI needs nginx');
    console.warn('\n*** SKIPPING the loopback topology: nginx is not installed. It runs in CI. ***\n');
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP call through nginx from a chosen loopback source address. */
function call(base: string, method: string, path: string, options: { from: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname, port: url.port, path: url.pathname + url.search, method, localAddress: options.from, agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* not JSON: the SPA or metrics */ }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(withPostgres && withRedis && hasNginx())('the production topology on loopback', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let owner: pg.Client;
  let tenantId: string;
  /** A source address whose requests nginx sends to each node, by node port. */
  const route = new Map<number, string>();

  /** The node nginx sends this source address to, read from nginx's access log. */
  async function nodeOf(from: string): Promise<number> {
    const res = await call(cluster.url, 'GET', `/healthz?probe=${from}`, { from });
    expect(res.status).toBe(200);
    await sleep(20);
    const line = fs.readFileSync(cluster.accessLog, 'utf8').trim().split('\n').reverse().find((l) => l.includes(`probe=${from} `));
    return Number(line?.split(' ')[2]?.split(':')[1]);
  }

  async function loginVia(from: string, username: string, password: string) {
    const res = await call(cluster.url, 'POST', '/api/auth/login', { from, body: { tenant: 'demo', username, password } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { access_token: string; user: { id: string; tenant_id: string } };
  }

  /** The tenant's seqs once every committed event has one (the nodes number them after commit). */
  async function tenantSeqs(): Promise<number[]> {
    for (let waited = 0; waited < 15_000; waited += 50) {
      const { rows } = await owner.query('select seq from events where tenant_id = $1 order by seq', [tenantId]);
      if (rows.every((r) => r.seq !== null)) return rows.map((r) => Number(r.seq));
      await sleep(50);
    }
    throw new Error('events stayed unnumbered for 15 s');
  }

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    cluster = await startCluster({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      nginxPort,
      appPorts: [portA, portB],
      workers: 2,
      seed: true,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    // The test reads the log as the database owner (bypassing row-level security) to know every seq.
    owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    tenantId = (await owner.query("select id from tenants where subdomain = 'demo'")).rows[0].id;
    for (let i = 2; i < 60 && route.size < 2; i++) {
      const from = `127.0.0.${i}`;
      const node = await nodeOf(from);
      if (!route.has(node)) route.set(node, from);
    }
    expect([...route.keys()].sort()).toEqual([portA, portB].sort());
  }, 180_000);

  afterAll(async () => {
    await owner?.end();
    await cluster?.stop();
    await db?.drop();
  }, 60_000);

  it('serves the single-page app, its assets and the API through nginx', async () => {
    const from = [...route.values()][0]!;
    const home = await call(cluster.url, 'GET', '/', { from });
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toMatch(/text\/html/);
    expect(home.headers['x-frame-options']).toBe('DENY');
    const deep = await call(cluster.url, 'GET', '/admin/areas', { from });
    expect(deep.body).toBe(home.body);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(String(home.body))?.[1];
    expect(asset).toBeTruthy();
    const js = await call(cluster.url, 'GET', asset!, { from });
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toMatch(/immutable/);

    const { access_token } = await loginVia(from, 'member', 'member123');
    const status = await call(cluster.url, 'GET', '/api/gym-status', { from, token: access_token });
    expect(status.status).toBe(200);
    expect(status.body.data.areas.length).toBeGreaterThanOrEqual(4);
  });

  it('delivers a booking made through node 2 to a client connected through nginx to node 1', async () => {
    const [[, fromA], [, fromB]] = [...route.entries()] as [[number, string], [number, string]];
    const watcher = await loginVia(fromA!, 'member', 'member123');
    const booker = await loginVia(fromB!, 'owner', 'owner123');
    const socket = await connectVia(cluster.url, tenantId, watcher.access_token, fromA!);
    try {
      const got = new Promise<any>((resolve) => socket.on('booking:created', (e: any) => resolve(e)));
      const booking = await bookDay(fromB!, booker.access_token, watcher.user.id, 40);
      const event = await got;
      expect(event.booking.id).toBe(booking.id);
      const seqs = await tenantSeqs();
      const created = (await owner.query("select seq from events where tenant_id = $1 and type = 'booking:created' and payload->'booking'->>'id' = $2", [tenantId, booking.id])).rows[0];
      expect(event.seq).toBe(Number(created.seq));
      expect(seqs).toContain(event.seq);
    } finally {
      socket.disconnect();
    }
  });

  it('stops node 1 with SIGTERM without losing a request, and its clients resume on node 2 with no missing event', async () => {
    const [[portA, fromA], [, fromB]] = [...route.entries()] as [[number, string], [number, string]];
    const nodeA = cluster.nodes.find((n) => n.port === portA)!;
    const owner1 = await loginVia(fromA!, 'owner', 'owner123');
    const owner2 = await loginVia(fromB!, 'owner', 'owner123');
    const member = await loginVia(fromA!, 'member2', 'member123');

    // A client on node 1 that resumes from its last seq whenever it reconnects.
    const received: number[] = [];
    const socket = await connectVia(cluster.url, tenantId, member.access_token, fromA!, true);
    socket.onAny((_type: string, event: { seq: number }) => {
      received.push(event.seq);
      (socket.auth as { since?: number }).since = event.seq;
    });
    const startSeq = (await tenantSeqs()).at(-1) ?? 0;
    (socket.auth as { since?: number }).since = startSeq;

    let failed = 0;
    let made = 0;
    const acknowledged: string[] = [];
    let running = true;
    // Eight hourly slots a day from day 41 on: room for thousands of bookings within the horizon.
    let slot = 0;
    const worker = async (from: string, token: string) => {
      while (running) {
        try {
          const n = slot++;
          const res = await bookDayRaw(from, token, member.user.id, 41 + Math.floor(n / 8), 10 + (n % 8));
          if (res.status === 201) acknowledged.push(res.body.data.booking.id);
          else failed++;
          const status = await call(cluster.url, 'GET', '/api/gym-status', { from, token });
          if (status.status !== 200) failed++;
          made += 2;
        } catch {
          failed++;
        }
      }
    };
    const load = [worker(fromA!, owner1.access_token), worker(fromB!, owner2.access_token), worker(fromA!, owner1.access_token)];
    await sleep(1500);
    const stopped = nodeA.stop('SIGTERM');
    await stopped;
    await sleep(2500);
    running = false;
    await Promise.all(load);

    // The socket comes back through nginx (now to node 2) and replays what it missed.
    const lastSeq = (await tenantSeqs()).at(-1)!;
    const until = Date.now() + 15_000;
    while ((received.at(-1) ?? 0) < lastSeq && Date.now() < until) await sleep(100);
    socket.disconnect();
    console.log(`topology: ${made} requests while node 1 stopped, ${failed} failed; ${acknowledged.length} bookings acknowledged; socket got seq ${startSeq + 1}..${received.at(-1)} (${received.length} events)`);

    expect(failed).toBe(0);
    expect(made).toBeGreaterThan(10);
    const stored = await owner.query('select id from bookings where id = any($1)', [acknowledged]);
    expect(stored.rowCount).toBe(acknowledged.length);
    const expected = Array.from({ length: lastSeq - startSeq }, (_, i) => startSeq + 1 + i);
    expect(received).toEqual(expected);
    await nodeA.restart();
  }, 120_000);

  it('refuses /metrics through nginx (metrics live on the nodes\' internal port, tests/reliability/monitoring.test.ts)', async () => {
    const from = [...route.values()][1]!;
    const res = await call(cluster.url, 'GET', '/metrics', { from });
    expect(res.status).toBe(404);
  });

  async function bookDayRaw(from: string, token: string, userId: string, daysAhead: number, hour = 10) {
    const date = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
    const areas = await call(cluster.url, 'GET', '/api/gym-status', { from, token });
    const area = areas.body.data.areas.find((a: { name_en: string }) => a.name_en === 'Weight Room');
    return call(cluster.url, 'POST', '/api/book-room', {
      from, token,
      headers: { 'idempotency-key': `topology-${userId}-${daysAhead}-${hour}` },
      body: { room_id: area.id, date, time: `${hour}:00`, duration: 60, user_id: userId },
    });
  }

  async function bookDay(from: string, token: string, userId: string, daysAhead: number) {
    const res = await bookDayRaw(from, token, userId, daysAhead);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.booking as { id: string };
  }
});

/** A Socket.IO client through nginx from a chosen source address. */
function connectVia(base: string, tenantId: string, token: string, from: string, reconnection = false): Promise<Socket> {
  const socket = io(`${base}/tenant/${tenantId}`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection,
    reconnectionDelay: 200,
    reconnectionDelayMax: 500,
    localAddress: from,
  } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}
