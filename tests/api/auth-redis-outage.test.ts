/**
 * With Redis configured but down, signing in still works: throttling falls back to memory, the
 * revocation list to the database and memory; only cookie sessions, which live in Redis, answer 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, WebClient } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres)('auth while Redis is down (PostgreSQL)', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Nothing listens on this port: the client stays in reconnect.
    server = await startTestServer({ driver: 'pg', env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(async () => server?.stop());

  it('signs in, refreshes, authenticates and logs out with tokens', async () => {
    const pair = await login(server.url, 'demo', 'member', 'member123');
    expect((await api(server.url, 'GET', '/api/auth/me', { token: pair.access_token })).status).toBe(200);
    const next = await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } });
    expect(next.status).toBe(200);
    const reuse = await api(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } });
    expect(reuse.body.data.code).toBe('token_reused');
    expect((await api(server.url, 'GET', '/api/auth/me', { token: next.body.data.access_token })).status).toBe(401);
  });

  it('asks the database whether a user was deactivated when Redis cannot say', async () => {
    const pair = await login(server.url, 'olympia', 'member2', 'member123');
    const tenantId = pair.user.tenant_id!;
    expect((await api(server.url, 'GET', '/api/auth/me', { token: pair.access_token })).status).toBe(200);
    // Deactivated behind the app's back (another worker): no revocation list entry here.
    await server.deps.uow.inTenant(tenantId, ({ trx }) => trx('users').where({ id: pair.user.id }).update({ active: false }));
    try {
      expect((await api(server.url, 'GET', '/api/auth/me', { token: pair.access_token })).status).toBe(401);
    } finally {
      await server.deps.uow.inTenant(tenantId, ({ trx }) => trx('users').where({ id: pair.user.id }).update({ active: true }));
    }
  });

  it('still throttles wrong passwords', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await api(server.url, 'POST', '/api/auth/login', { body: { tenant: 'olympia', username: 'trainer', password: 'bad' } });
      expect(res.status).toBe(401);
    }
    const res = await api(server.url, 'POST', '/api/auth/login', { body: { tenant: 'olympia', username: 'trainer', password: 'bad' } });
    expect(res.status).toBe(429);
  });

  it('answers a cookie sign-in with 503, not 500', async () => {
    const web = new WebClient(server.url);
    const res = await web.request('POST', '/auth/login', { body: { tenant: 'demo', username: 'owner', password: 'owner123' } });
    expect(res.status).toBe(503);
    expect(res.body.data.code).toBe('service_unavailable');
  });
});
