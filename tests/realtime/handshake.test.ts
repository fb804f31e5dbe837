/**
 * The socket handshake: who may open a tenant's namespace, with which credentials, from which origin,
 * and for how long.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { newOpaqueToken, signAccessToken } from '../../backend/src/modules/auth/tokens.js';
import { startServer } from '../../backend/src/server.js';
import { TEST_SECRETS } from '../support/secrets.js';
import { createTestDatabase } from '../support/test-database.js';
import { api } from '../support/test-server.js';
import { login, WebClient, type LoginResult } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { connect, handshakeOutcome, until } from './helpers.js';

describe.runIf(withPostgres)('the socket handshake', () => {
  let server: TestServer;
  let owner: LoginResult;
  let olympiaOwner: LoginResult;
  let demoId: string;
  let olympiaId: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg', env: { CORS_ORIGINS: 'https://app.example' } });
    owner = await login(server.url, 'demo', 'owner', 'owner123');
    olympiaOwner = await login(server.url, 'olympia', 'owner', 'owner123');
    demoId = owner.user.tenant_id!;
    olympiaId = olympiaOwner.user.tenant_id!;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a connection without credentials, or with bad ones, as unauthorized', async () => {
    expect(await handshakeOutcome(server.url, demoId, {})).toBe('unauthorized');
    expect(await handshakeOutcome(server.url, demoId, { token: 'not-a-token' })).toBe('unauthorized');
    expect(await handshakeOutcome(server.url, demoId, { token: owner.access_token.slice(0, -3) + 'AAA' })).toBe('unauthorized');
    expect(await handshakeOutcome(server.url, demoId, {}, { cookie: 'gym.sid=forged; gym.sid.sig=forged' })).toBe('unauthorized');
  });

  it("refuses valid credentials of another tenant as forbidden, whatever the namespace's tenant is", async () => {
    expect(await handshakeOutcome(server.url, olympiaId, { token: owner.access_token })).toBe('forbidden');
    expect(await handshakeOutcome(server.url, demoId, { token: olympiaOwner.access_token })).toBe('forbidden');
    expect(await handshakeOutcome(server.url, '00000000-0000-4000-8000-000000000000', { token: owner.access_token })).toBe('forbidden');
    expect(await handshakeOutcome(server.url, 'not-a-uuid', { token: owner.access_token })).toBe('forbidden');
  });

  it('keeps nothing of a refused handshake: its namespace is closed again', async () => {
    const names = Array.from({ length: 5 }, () => `/tenant/${crypto.randomUUID()}`);
    for (const name of names) {
      expect(await handshakeOutcome(server.url, name.slice('/tenant/'.length), { token: owner.access_token })).toBe('forbidden');
    }
    await until('the refused namespaces to be closed', () => names.every((n) => !server.realtime.io._nsps.has(n)), 5000);
  });

  it('refuses the platform admin, who has no live view of a tenant', async () => {
    const admin = await login(server.url, null, 'admin', 'admin123');
    expect(await handshakeOutcome(server.url, demoId, { token: admin.access_token })).toBe('forbidden');
  });

  it('accepts an access token, a display token and the web session cookie of the tenant', async () => {
    for (const username of ['owner', 'trainer', 'member']) {
      const user = await login(server.url, 'demo', username, `${username}123`);
      expect(await handshakeOutcome(server.url, demoId, { token: user.access_token })).toBe('connected');
    }
    const display = newOpaqueToken('dt1', demoId);
    await server.deps.uow.inTenant(demoId, ({ trx }) => trx('display_tokens').insert({ tenant_id: demoId, name: 'Wall', token_hash: display.hash }));
    expect(await handshakeOutcome(server.url, demoId, { token: display.token })).toBe('connected');
    expect(await handshakeOutcome(server.url, olympiaId, { token: display.token })).toBe('forbidden');

    const web = new WebClient(server.url);
    await web.login('demo', 'member', 'member123');
    expect(await handshakeOutcome(server.url, demoId, {}, { cookie: web.cookieHeader })).toBe('connected');
    expect(await handshakeOutcome(server.url, olympiaId, {}, { cookie: web.cookieHeader })).toBe('forbidden');
  });

  it('refuses a revoked display token', async () => {
    const display = newOpaqueToken('dt1', demoId);
    await server.deps.uow.inTenant(demoId, ({ trx }) =>
      trx('display_tokens').insert({ tenant_id: demoId, name: 'Old wall', token_hash: display.hash, revoked_at: new Date() }),
    );
    expect(await handshakeOutcome(server.url, demoId, { token: display.token })).toBe('unauthorized');
  });

  it('accepts browsers only from the same origin or a configured one', async () => {
    const auth = { token: owner.access_token };
    expect(await handshakeOutcome(server.url, demoId, auth, { origin: 'https://app.example' })).toBe('connected');
    expect(await handshakeOutcome(server.url, demoId, auth, { origin: server.url.replace('127.0.0.1', '127.0.0.1') })).toBe('connected');
    expect(await handshakeOutcome(server.url, demoId, auth, { origin: 'https://evil.example' })).not.toBe('connected');
  });

  it('drops a connection when its access token expires unrefreshed, and takes it back with a fresh token', async () => {
    const short = signAccessToken({ ...server.config.jwt, accessTtlSeconds: 2 }, {
      sub: owner.user.id, tid: demoId, role: 'owner', usr: 'owner', loc: 'en', fam: crypto.randomUUID(),
    });
    const client = await connect(server.url, demoId, { token: short.token });
    let reason = '';
    client.socket.on('disconnect', (r) => {
      reason = r;
    });
    await until('the expired connection to be dropped', () => reason !== '', 5000);
    expect(reason).toBe('io server disconnect');
    expect(await handshakeOutcome(server.url, demoId, { token: short.token })).toBe('unauthorized');
    expect(await handshakeOutcome(server.url, demoId, { token: owner.access_token })).toBe('connected');
  });

  it('keeps nothing in the main namespace', async () => {
    const { io } = await import('socket.io-client');
    const socket = io(server.url, { transports: ['websocket'], auth: { token: owner.access_token }, reconnection: false, forceNew: true });
    const message = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err) => resolve(err.message));
    });
    socket.disconnect();
    expect(message).toBe('forbidden');
  });
});

describe.runIf(withPostgres)('a connection whose credentials are revoked', () => {
  it('is dropped: a revoked display token and a signed-out login lose their sockets', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', SEED_DEMO: 'true', LOG_LEVEL: 'silent', DATABASE_URL: database.url, ...TEST_SECRETS,
    });
    const server = await startServer(config, { realtime: { recheckMs: 200 } });
    try {
      const owner = await login(server.url, 'demo', 'owner', 'owner123');
      const demo = owner.user.tenant_id!;
      const display = newOpaqueToken('dt1', demo);
      await server.deps.uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Wall', token_hash: display.hash }));
      const wall = await connect(server.url, demo, { token: display.token });
      const person = await connect(server.url, demo, { token: owner.access_token });
      const reasons: Record<string, string> = {};
      wall.socket.on('disconnect', (r) => (reasons.wall = r));
      person.socket.on('disconnect', (r) => (reasons.person = r));

      await server.deps.uow.inTenant(demo, ({ trx }) => trx('display_tokens').where({ token_hash: display.hash }).update({ revoked_at: new Date() }));
      await until('the revoked display to be dropped', () => reasons.wall !== undefined, 5000);
      expect(reasons.wall).toBe('io server disconnect');

      const out = await api(server.url, 'POST', '/api/auth/logout', { token: owner.access_token, body: { refresh_token: owner.refresh_token } });
      expect(out.status).toBe(200);
      await until('the signed-out login to be dropped', () => reasons.person !== undefined, 5000);
      expect(reasons.person).toBe('io server disconnect');
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
