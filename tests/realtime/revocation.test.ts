/**
 * Changes to a person take effect at once, everywhere: sockets left open while the change is made are
 * dropped (their reconnect refused) on the server that made it and on another server sharing the
 * database and Redis; a gym suspended on one server is refused on the other at once; a web session
 * ends with a staff password reset; revocations survive a restart of the embedded server and a Redis
 * write that fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoServers } from './two-servers.js';
import { loadConfig } from '../../backend/src/config.js';
import { newOpaqueToken } from '../../backend/src/modules/auth/tokens.js';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { login, WebClient } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres, withRedis } from '../support/services.js';
import { api } from '../support/test-server.js';
import { connect, handshakeOutcome, until, type Client } from './helpers.js';

const STRONG = 'Plum-Orbit-7391-Kestrel';
const figures: Record<string, number> = {};

/** Resolves with the disconnect reason of a client (or rejects after a generous wait). */
const dropped = (c: Client, what: string) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still connected`)), 10_000);
    c.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

describe('revocations reach open sockets at once (embedded mode)', () => {
  let gym: GymFixture;
  beforeAll(async () => {
    gym = await startGym({ driver: 'pglite' });
  }, 180_000);
  afterAll(async () => {
    await gym?.stop();
  });

  it('drops a demoted trainer\'s token and cookie sockets at once; the reconnect is refused', async () => {
    const trainer = await gym.f.user(gym.demo, { role: 'trainer', password: STRONG });
    const token = (await login(gym.url, 'demo', trainer.username, STRONG)).access_token;
    const web = new WebClient(gym.url);
    await web.login('demo', trainer.username, STRONG);
    const bySocket = await connect(gym.url, gym.demo, { token });
    const byCookie = await connect(gym.url, gym.demo, {}, { cookie: web.cookieHeader });
    const gone = [dropped(bySocket, 'token socket'), dropped(byCookie, 'cookie socket')];
    const t0 = Date.now();
    const demoted = await gym.call('PATCH', `/api/members/${trainer.id}`, { token: gym.tokens.owner, body: { role: 'member' } });
    expect(demoted.status).toBe(200);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    figures.demotedDroppedMs = Date.now() - t0;
    expect(await handshakeOutcome(gym.url, gym.demo, { token })).toBe('unauthorized');
    expect(await handshakeOutcome(gym.url, gym.demo, {}, { cookie: web.cookieHeader })).toBe('unauthorized');
    // Signing in again gives the member view.
    const again = await login(gym.url, 'demo', trainer.username, STRONG);
    expect(again.user.role).toBe('member');
  });

  it('drops a deactivated member\'s sockets at once', async () => {
    const member = await gym.f.user(gym.demo, { role: 'member', password: STRONG });
    const token = (await login(gym.url, 'demo', member.username, STRONG)).access_token;
    const sockets = await Promise.all([1, 2, 3].map(() => connect(gym.url, gym.demo, { token })));
    const gone = sockets.map((s, i) => dropped(s, `socket ${i}`));
    const t0 = Date.now();
    expect((await gym.call('DELETE', `/api/members/${member.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect(new Set(await Promise.all(gone))).toEqual(new Set(['io server disconnect']));
    figures.deactivatedDroppedMs = Date.now() - t0;
    expect(await handshakeOutcome(gym.url, gym.demo, { token })).toBe('unauthorized');
  });

  it('disconnects a revoked display token\'s open screen; it is refused as unauthorized', async () => {
    const created = await gym.call('POST', '/api/display-tokens', { token: gym.tokens.owner, body: { name: 'Lobby' } });
    const wall = await connect(gym.url, gym.demo, { token: created.body.data.token });
    const gone = dropped(wall, 'display');
    expect((await gym.call('DELETE', `/api/display-tokens/${created.body.data.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect(await handshakeOutcome(gym.url, gym.demo, { token: created.body.data.token })).toBe('unauthorized');
  });

  it('ends the web session of a person whose password staff reset: the old cookie no longer books', async () => {
    const member = await gym.f.user(gym.demo, { role: 'member', password: STRONG });
    const web = new WebClient(gym.url);
    await web.login('demo', member.username, STRONG);
    const cookieSocket = await connect(gym.url, gym.demo, {}, { cookie: web.cookieHeader });
    const gone = dropped(cookieSocket, 'cookie socket');
    expect((await web.request('GET', '/api/user-bookings')).status).toBe(200);
    const reset = await gym.call('PATCH', `/api/members/${member.id}`, { token: gym.tokens.owner, body: { password: `${STRONG}-2` } });
    expect(reset.status).toBe(200);
    const area = (await gym.areas()).find((a) => a.is_bookable)!;
    const book = await web.request('POST', '/api/book-room', { body: { room_id: area.id, date: athensDate(2), time: '10:00', duration: 60 } });
    expect(book.status).toBe(401);
    expect(await gone).toBe('io server disconnect');
  });

  it('drops the socket of a login that signs out, and keeps the person\'s other logins', async () => {
    const member = await gym.f.user(gym.demo, { role: 'member', password: STRONG });
    const phone = await login(gym.url, 'demo', member.username, STRONG);
    const tablet = await login(gym.url, 'demo', member.username, STRONG);
    const a = await connect(gym.url, gym.demo, { token: phone.access_token });
    const b = await connect(gym.url, gym.demo, { token: tablet.access_token });
    const gone = dropped(a, 'signed-out socket');
    expect((await api(gym.url, 'POST', '/api/auth/logout', { token: phone.access_token, body: { refresh_token: phone.refresh_token } })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.socket.connected).toBe(true);
    b.close();
  });
});

describe('revocations survive a restart of the embedded server', () => {
  it('still refuses a signed-out or deactivated member\'s unexpired token after stop and start on the same data folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gymflow-restart-'));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', LOG_LEVEL: 'silent', DATA_DIR: dir });
    let server: RunningServer | null = await startServer(config);
    try {
      const owner = await login(server.url, 'demo', 'owner', 'owner123');
      const demo = owner.user.tenant_id!;
      const f = factories(server.deps.db, server.deps.uow);
      const leaving = await f.user(demo, { password: STRONG });
      const signedOut = await f.user(demo, { password: STRONG });
      const areaId = (await f.area(demo, { capacity: 10, booking_capacity: 5 })).id;
      const programId = (await f.program(demo)).id;
      const a = await login(server.url, 'demo', leaving.username, STRONG);
      const b = await login(server.url, 'demo', signedOut.username, STRONG);
      expect((await api(server.url, 'DELETE', `/api/members/${leaving.id}`, { token: owner.access_token })).status).toBe(200);
      expect((await api(server.url, 'POST', '/api/auth/logout', { token: b.access_token, body: { refresh_token: b.refresh_token } })).status).toBe(200);
      await server.close();
      server = await startServer(config);
      let refused = 0;
      for (const token of [a.access_token, b.access_token]) {
        const book = await api(server.url, 'POST', '/api/book-room', { token, body: { room_id: areaId, date: athensDate(2), time: '10:00', duration: 60 } });
        const checkIn = await api(server.url, 'POST', '/api/start-workout', { token, body: { program_id: programId, area_id: areaId } });
        expect([book.status, checkIn.status]).toEqual([401, 401]);
        refused += 2;
      }
      figures.refusedAfterRestart = refused;
    } finally {
      await server?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe.runIf(withPostgres && withRedis)('revocations across two servers sharing PostgreSQL and Redis', () => {
  const servers = twoServers();
  let a: RunningServer;
  let b: RunningServer;
  let demo: string;
  let ownerOnA: string;

  beforeAll(async () => {
    ({ a, b } = servers);
    const owner = await login(a.url, 'demo', 'owner', 'owner123');
    ownerOnA = owner.access_token;
    demo = owner.user.tenant_id!;
  });

  it('drops, on the other server, the sockets of a trainer demoted and a member deactivated here, and a revoked display', async () => {
    const f = factories(a.deps.db, a.deps.uow);
    const trainer = await f.user(demo, { role: 'trainer', password: STRONG });
    const member = await f.user(demo, { role: 'member', password: STRONG });
    const display = newOpaqueToken('dt1', demo);
    const [row] = await a.deps.uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Wall', token_hash: display.hash }).returning('id'));
    const trainerToken = (await login(b.url, 'demo', trainer.username, STRONG)).access_token;
    const memberToken = (await login(b.url, 'demo', member.username, STRONG)).access_token;
    const onB = [
      await connect(b.url, demo, { token: trainerToken }),
      await connect(b.url, demo, { token: memberToken }),
      await connect(b.url, demo, { token: display.token }),
    ];
    const gone = onB.map((c, i) => dropped(c, `socket ${i} on the other server`));
    const t0 = Date.now();
    expect((await api(a.url, 'PATCH', `/api/members/${trainer.id}`, { token: ownerOnA, body: { role: 'member' } })).status).toBe(200);
    expect((await api(a.url, 'DELETE', `/api/members/${member.id}`, { token: ownerOnA })).status).toBe(200);
    expect((await api(a.url, 'DELETE', `/api/display-tokens/${row.id}`, { token: ownerOnA })).status).toBe(200);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    figures.otherServerDroppedMs = Date.now() - t0;
    for (const token of [trainerToken, memberToken, display.token]) expect(await handshakeOutcome(b.url, demo, { token })).toBe('unauthorized');
  });

  it('suspends a gym here and the other server refuses its owner at once, though it had the gym cached', async () => {
    const owner = { username: 'boss', password: STRONG, email: 'boss@example.com', full_name: 'The Boss' };
    expect((await api(a.url, 'POST', '/api/tenants', { body: { name: 'Gym far-away', subdomain: 'far-away', owner } })).status).toBe(201);
    const boss = await login(b.url, 'far-away', 'boss', STRONG);
    const gymId = boss.user.tenant_id!;
    const admin = (await login(a.url, null, 'admin', 'admin123')).access_token;
    // Server B has just read the gym's status: without the announcement it would trust it for seconds.
    expect((await api(b.url, 'GET', '/api/tenant', { token: boss.access_token })).status).toBe(200);
    const socket = await connect(b.url, gymId, { token: boss.access_token });
    const gone = dropped(socket, "the suspended gym's socket on the other server");
    const t0 = Date.now();
    expect((await api(a.url, 'PATCH', `/api/platform/tenants/${gymId}`, { token: admin, body: { subscription_status: 'suspended' } })).status).toBe(200);
    await until('the other server to refuse the suspended gym', async () => (await api(b.url, 'GET', '/api/tenant', { token: boss.access_token })).status === 403, 2_000);
    expect(await gone).toBe('io server disconnect');
    figures.otherServerSuspendedMs = Date.now() - t0;
  });

  it('holds a revocation whose Redis writes fail: the other server refuses the token all the same', async () => {
    const member = await factories(a.deps.db, a.deps.uow).user(demo, { password: STRONG });
    const token = (await login(b.url, 'demo', member.username, STRONG)).access_token;
    expect((await api(b.url, 'GET', '/api/user-bookings', { token })).status).toBe(200);
    // Every Redis write of server A fails from now on (commands and the adapter's broadcast alike).
    const redisOfA = a.deps.redis!;
    const fail = () => Promise.reject(new Error('redis write failed'));
    const saved = { set: redisOfA.set, mset: redisOfA.mset, setex: redisOfA.setex, publish: redisOfA.publish };
    Object.assign(redisOfA, { set: fail, mset: fail, setex: fail, publish: fail });
    const io = a.realtime.io;
    const emit = io.serverSideEmit;
    io.serverSideEmit = () => {
      throw new Error('redis publish failed');
    };
    try {
      expect((await api(a.url, 'DELETE', `/api/members/${member.id}`, { token: ownerOnA })).status).toBe(200);
      await until('the other server to refuse the token', async () => (await api(b.url, 'GET', '/api/user-bookings', { token })).status === 401, 10_000);
    } finally {
      Object.assign(redisOfA, saved);
      io.serverSideEmit = emit;
    }
  });
});

afterAll(() => {
  console.log(`[reliability] revocation: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}`);
});
