/**
 * A login is a family of refresh tokens: each refresh spends one and hands out the next; a spent one
 * presented again ends the whole family; logout ends it too. Wrong passwords are throttled.
 * Runs on PostgreSQL with Redis (revocation list and throttle counters shared through Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../backend/src/modules/auth/credentials.js';
import { revokeUserAccess } from '../../backend/src/modules/auth/revocations.js';
import { login } from '../support/auth.js';
import { withPostgres, withRedis } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres && withRedis)('refresh tokens, logout and throttling on PostgreSQL and Redis', () => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg', redis: true });
    url = server.url;
  });
  afterAll(async () => server?.stop());

  const refresh = (refresh_token: unknown) => api(url, 'POST', '/api/auth/refresh', { body: { refresh_token } });
  const me = (token: string) => api(url, 'GET', '/api/auth/me', { token });

  it('rotates the refresh token on every use', async () => {
    const first = await login(url, 'demo', 'member', 'member123');
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.data.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.data.user).toMatchObject({ username: 'member', role: 'member' });
    expect((await me(second.body.data.access_token)).status).toBe(200);
    const third = await refresh(second.body.data.refresh_token);
    expect(third.status).toBe(200);
  });

  it('refreshes even when the client still attaches its expired access token', async () => {
    const pair = await login(url, 'demo', 'owner', 'owner123');
    const res = await api(url, 'POST', '/api/auth/refresh', {
      token: 'expired.or.garbage',
      body: { refresh_token: pair.refresh_token },
    });
    expect(res.status).toBe(200);
  });

  it('stores refresh tokens only as hashes', async () => {
    const pair = await login(url, 'demo', 'trainer', 'trainer123');
    const tenantId = pair.user.tenant_id!;
    const rows = await server.deps.uow.inTenant(tenantId, ({ trx }) => trx('refresh_tokens').where({ user_id: pair.user.id }).select('token_hash'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).not.toContain(pair.refresh_token.split('.')[2]);
    }
  });

  it('revokes the whole family when a spent refresh token is used again', async () => {
    const first = await login(url, 'demo', 'member2', 'member123');
    const second = (await refresh(first.refresh_token)).body.data;
    expect((await me(second.access_token)).status).toBe(200);

    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.body.data.code).toBe('token_reused');

    // The legitimate successor dies with the family, and so do its access tokens.
    const successor = await refresh(second.refresh_token);
    expect(successor.status).toBe(401);
    expect((await me(second.access_token)).status).toBe(401);
    expect((await me(first.access_token)).status).toBe(401);
    expect(await resolveCredentials(server.deps, { token: second.access_token })).toBeNull();

    // Another login of the same user is a different family and keeps working.
    const other = await login(url, 'demo', 'member2', 'member123');
    expect((await me(other.access_token)).status).toBe(200);
  });

  it('lets only one of two simultaneous refreshes with the same token succeed', async () => {
    const pair = await login(url, 'olympia', 'member', 'member123');
    const answers = await Promise.all([refresh(pair.refresh_token), refresh(pair.refresh_token)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('refuses an access token, a forged and a malformed token as refresh token', async () => {
    const pair = await login(url, 'demo', 'owner', 'owner123');
    const asRefresh = await refresh(pair.access_token);
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.data.code).toBe('unauthorized');
    const [, tenant] = pair.refresh_token.split('.');
    expect((await refresh(`rt1.${tenant}.${'A'.repeat(43)}`)).status).toBe(401);
    expect((await refresh('rt1.not-a-uuid.x')).status).toBe(401);
    expect((await refresh(42)).status).toBe(400);
  });

  it('refuses a refresh token presented under another tenant', async () => {
    const pair = await login(url, 'demo', 'owner', 'owner123');
    const olympia = await server.deps.uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'olympia' }).first('id'));
    const moved = pair.refresh_token.replace(pair.user.tenant_id!, olympia.id);
    expect((await refresh(moved)).status).toBe(401);
    expect((await refresh(pair.refresh_token)).status).toBe(200);
  });

  it("ends every login of a user whose access is revoked (deactivation, role change), and lets a new login work", async () => {
    const phone = await login(url, 'olympia', 'owner', 'owner123');
    const laptop = await login(url, 'olympia', 'owner', 'owner123');
    await server.deps.uow.inTenant(phone.user.tenant_id!, (scope) => revokeUserAccess(server.deps, scope, phone.user.id));
    for (const pair of [phone, laptop]) {
      expect((await me(pair.access_token)).status).toBe(401);
      expect((await refresh(pair.refresh_token)).status).toBe(401);
    }
    const fresh = await login(url, 'olympia', 'owner', 'owner123');
    expect((await me(fresh.access_token)).status).toBe(200);
  });

  it('ends the refresh token and the access token at logout', async () => {
    const pair = await login(url, 'olympia', 'trainer', 'trainer123');
    const out = await api(url, 'POST', '/api/auth/logout', { token: pair.access_token, body: { refresh_token: pair.refresh_token } });
    expect(out.status).toBe(200);
    expect(out.body.success).toBe(true);
    expect((await refresh(pair.refresh_token)).status).toBe(401);
    expect((await me(pair.access_token)).status).toBe(401);
  });

  it('refuses to log out with somebody else\'s refresh token', async () => {
    const mine = await login(url, 'demo', 'member', 'member123');
    const theirs = await login(url, 'demo', 'trainer', 'trainer123');
    const res = await api(url, 'POST', '/api/auth/logout', { token: mine.access_token, body: { refresh_token: theirs.refresh_token } });
    expect(res.status).toBe(401);
    expect((await refresh(theirs.refresh_token)).status).toBe(200);
  });

  it('logs the platform admin out and refreshes its tokens in the platform scope', async () => {
    const admin = await login(url, null, 'admin', 'admin123');
    const next = await refresh(admin.refresh_token);
    expect(next.status).toBe(200);
    expect(next.body.data.user).toMatchObject({ role: 'platform_admin', tenant_id: null });
    const out = await api(url, 'POST', '/api/auth/logout', { token: next.body.data.access_token, body: {} });
    expect(out.status).toBe(200);
    expect((await refresh(next.body.data.refresh_token)).status).toBe(401);
    expect((await me(next.body.data.access_token)).status).toBe(401);
  });

  it('throttles the 11th wrong password in a row with 429 and Retry-After', async () => {
    const attempt = (password: string) =>
      api(url, 'POST', '/api/auth/login', { body: { tenant: 'olympia', username: 'member2', password } });
    for (let i = 1; i <= 10; i++) {
      const res = await attempt(`wrong-${i}`);
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const eleventh = await attempt('wrong-11');
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.data.code).toBe('rate_limited');
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right password waits now; other accounts are not affected.
    expect((await attempt('member123')).status).toBe(429);
    expect((await api(url, 'POST', '/api/auth/login', { body: { tenant: 'olympia', username: 'member', password: 'member123' } })).status).toBe(200);
  });

  it('forgets earlier failures after a successful login', async () => {
    const attempt = (password: string) =>
      api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'trainer', password } });
    for (let i = 0; i < 9; i++) expect((await attempt('nope')).status).toBe(401);
    expect((await attempt('trainer123')).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await attempt('nope')).status).toBe(401);
    expect((await attempt('trainer123')).status).toBe(200);
  });
});

describe.runIf(withPostgres && withRedis)('password spraying from one address on PostgreSQL and Redis', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Two failures per account, so twenty per address and gym.
    server = await startTestServer({ driver: 'pg', redis: true, env: { LOGIN_MAX_FAILURES: '2' } });
  });
  afterAll(async () => server?.stop());

  it('throttles an address that tries many accounts of one gym, not the other gym', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await api(server.url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: `guess${i}`, password: 'x' } });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const next = await api(server.url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'member', password: 'member123' } });
    expect(next.status).toBe(429);
    expect(next.headers.get('retry-after')).toBeTruthy();
    const elsewhere = await api(server.url, 'POST', '/api/auth/login', { body: { tenant: 'olympia', username: 'member', password: 'member123' } });
    expect(elsewhere.status).toBe(200);
  });
});
