/**
 * Signing in with tokens: the login answer of docs/http-api.md, the tenant from body, header or Host,
 * and every kind of bad access token refused.
 */
import http from 'node:http';
import bcrypt from 'bcrypt';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

/** fetch cannot set Host; node:http can. */
function withHost(port: number, host: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1', port, method, path,
        headers: {
          host,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe.runIf(withPostgres)('token sign-in on PostgreSQL', () => {
  let server: TestServer;
  let url: string;
  let demoId: string;
  let olympiaId: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    url = server.url;
    const rows = await server.deps.uow.inPlatform((trx) => trx('tenants').select('id', 'subdomain'));
    demoId = rows.find((r) => r.subdomain === 'demo')!.id;
    olympiaId = rows.find((r) => r.subdomain === 'olympia')!.id;
  });
  afterAll(async () => server?.stop());

  it('answers a token pair with the user when the password is right', async () => {
    const res = await api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'member', password: 'member123' } });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const d = res.body.data;
    expect(d.token_type).toBe('Bearer');
    expect(d.expires_in).toBe(900);
    expect(typeof d.access_token).toBe('string');
    expect(d.refresh_token).toMatch(new RegExp(`^rt1\\.${demoId}\\.`));
    expect(d.user).toMatchObject({ username: 'member', role: 'member', tenant_id: demoId });
    const claims = jwt.decode(d.access_token, { complete: true })!;
    expect(claims.header.alg).toBe('HS256');
    expect(claims.payload).toMatchObject({ sub: d.user.id, tid: demoId, role: 'member', typ: 'access', iss: 'gymflow', aud: 'gymflow-api' });
  });

  it('finds the tenant from X-Tenant-ID and from the Host subdomain', async () => {
    const byHeader = await api(url, 'POST', '/api/auth/login', {
      body: { username: 'owner', password: 'owner123' },
      headers: { 'x-tenant-id': olympiaId },
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.body.data.user).toMatchObject({ role: 'owner', tenant_id: olympiaId });
    const byHost = await withHost(server.port, `olympia.localhost:${server.port}`, 'POST', '/api/auth/login', {
      body: { username: 'trainer', password: 'trainer123' },
    });
    expect(byHost.status).toBe(200);
    expect(byHost.body.data.user).toMatchObject({ role: 'trainer', tenant_id: olympiaId });
  });

  it('refuses a login whose body and X-Tenant-ID name different tenants', async () => {
    const res = await api(url, 'POST', '/api/auth/login', {
      body: { tenant: 'demo', username: 'owner', password: 'owner123' },
      headers: { 'x-tenant-id': olympiaId },
    });
    expect(res.status).toBe(403);
    expect(res.body.data.code).toBe('tenant_mismatch');
  });

  it('answers an unknown user, a wrong password and an unknown tenant the same way', async () => {
    const answers = await Promise.all([
      api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'nobody', password: 'member123' } }),
      api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'member2', password: 'wrong-password' } }),
      api(url, 'POST', '/api/auth/login', { body: { tenant: 'no-such-gym', username: 'member', password: 'member123' } }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body.data).toEqual({ code: 'invalid_credentials' });
      expect(res.body.message).toBe(answers[0]!.body.message);
    }
  });

  it('re-hashes a password stored at another bcrypt cost when its owner logs in', async () => {
    const old = await bcrypt.hash('member123', 5);
    await server.deps.uow.inTenant(olympiaId, ({ trx }) => trx('users').where({ username: 'member2' }).update({ password_hash: old }));
    await login(url, 'olympia', 'member2', 'member123');
    const row = await server.deps.uow.inTenant(olympiaId, ({ trx }) => trx('users').where({ username: 'member2' }).first('password_hash'));
    expect(bcrypt.getRounds(row.password_hash)).toBe(4);
    await login(url, 'olympia', 'member2', 'member123');
  });

  it('refuses a login without username or password as invalid input', async () => {
    const res = await api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'member' } });
    expect(res.status).toBe(400);
    expect(res.body.data.code).toBe('invalid_input');
  });

  it('signs the platform admin in without a tenant, with no tenant in the token', async () => {
    const admin = await login(url, null, 'admin', 'admin123');
    expect(admin.user).toMatchObject({ role: 'platform_admin', tenant_id: null });
    expect(admin.refresh_token).toMatch(/^rt1\.platform\./);
    expect((jwt.decode(admin.access_token) as jwt.JwtPayload).tid).toBeNull();
    const blank = await api(url, 'POST', '/api/auth/login', { body: { tenant: '', username: 'admin', password: 'admin123' } });
    expect(blank.status).toBe(200);
    const viaName = await login(url, 'platform', 'admin', 'admin123');
    expect(viaName.user.role).toBe('platform_admin');
    const me = await api(url, 'GET', '/api/auth/me', { token: admin.access_token });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ user: { username: 'admin', role: 'platform_admin' }, tenant: null });
  });

  it('knows the bearer of an access token, in the language of the user', async () => {
    const { access_token } = await login(url, 'olympia', 'member', 'member123');
    const me = await api(url, 'GET', '/api/auth/me', { token: access_token });
    expect(me.status).toBe(200);
    expect(me.body.data.user).toMatchObject({ username: 'member', tenant_id: olympiaId, locale: 'el' });
    expect(me.body.data.tenant).toMatchObject({ id: olympiaId, subdomain: 'olympia', name: 'Olympia Fitness' });
    const refused = await api(url, 'POST', '/api/auth/logout', { token: access_token, body: { refresh_token: 'nonsense' } });
    expect(refused.status).toBe(401);
    expect(refused.body.message).toBe('Παρακαλώ συνδεθείτε.');
  });

  it('refuses a token of tenant A sent with X-Tenant-ID or a Host of tenant B', async () => {
    const { access_token } = await login(url, 'demo', 'owner', 'owner123');
    const same = await api(url, 'GET', '/api/auth/me', { token: access_token, headers: { 'x-tenant-id': demoId } });
    expect(same.status).toBe(200);
    const otherHeader = await api(url, 'GET', '/api/auth/me', { token: access_token, headers: { 'x-tenant-id': olympiaId } });
    expect(otherHeader.status).toBe(403);
    expect(otherHeader.body.data.code).toBe('tenant_mismatch');
    const otherHost = await withHost(server.port, `olympia.localhost:${server.port}`, 'GET', '/api/auth/me', { token: access_token });
    expect(otherHost.status).toBe(403);
    expect(otherHost.body.data.code).toBe('tenant_mismatch');
    const ownHost = await withHost(server.port, `demo.localhost:${server.port}`, 'GET', '/api/auth/me', { token: access_token });
    expect(ownHost.status).toBe(200);
    // A service name is not a gym; an unknown gym is not the caller's.
    expect((await withHost(server.port, `app.localhost:${server.port}`, 'GET', '/api/auth/me', { token: access_token })).status).toBe(200);
    expect((await withHost(server.port, `ghost.localhost:${server.port}`, 'GET', '/api/auth/me', { token: access_token })).status).toBe(403);
  });

  describe('refuses bad access tokens', () => {
    let good: string;
    let claims: jwt.JwtPayload;
    // The server's own key, so that only the claim under test is wrong.
    let secret: string;
    beforeAll(async () => {
      secret = server.config.jwt.secret;
      good = (await login(url, 'demo', 'member', 'member123')).access_token;
      claims = jwt.decode(good) as jwt.JwtPayload;
    });
    const { issuer, audience } = { issuer: 'gymflow', audience: 'gymflow-api' };
    const me = (token: string) => api(url, 'GET', '/api/auth/me', { token });
    const body = () => {
      const { iat: _i, exp: _e, iss: _s, aud: _a, jti: _j, ...rest } = claims;
      return rest;
    };

    it('refuses a token with alg none', async () => {
      const unsigned = jwt.sign(body(), '', { algorithm: 'none', issuer, audience, expiresIn: 600 });
      const res = await me(unsigned);
      expect(res.status).toBe(401);
      expect(res.body.data.code).toBe('unauthorized');
    });

    it('refuses a token signed with another key', async () => {
      const forged = jwt.sign(body(), 'another-secret-of-sufficient-length-123456', { algorithm: 'HS256', issuer, audience, expiresIn: 600 });
      expect((await me(forged)).status).toBe(401);
    });

    it('refuses an expired token as token_expired', async () => {
      const expired = jwt.sign({ ...body(), exp: Math.floor(Date.now() / 1000) - 10 }, secret, { algorithm: 'HS256', issuer, audience });
      const res = await me(expired);
      expect(res.status).toBe(401);
      expect(res.body.data.code).toBe('token_expired');
    });

    it('refuses a token for another issuer or audience', async () => {
      const wrongIss = jwt.sign(body(), secret, { algorithm: 'HS256', issuer: 'someone-else', audience, expiresIn: 600 });
      const wrongAud = jwt.sign(body(), secret, { algorithm: 'HS256', issuer, audience: 'other-api', expiresIn: 600 });
      expect((await me(wrongIss)).status).toBe(401);
      expect((await me(wrongAud)).status).toBe(401);
    });

    it('refuses a token whose tenant claim was changed', async () => {
      const tampered = good.split('.');
      tampered[1] = Buffer.from(JSON.stringify({ ...claims, tid: olympiaId })).toString('base64url');
      expect((await me(tampered.join('.'))).status).toBe(401);
    });

    it('refuses a malformed Authorization header and garbage tokens', async () => {
      expect((await api(url, 'GET', '/api/auth/me', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
      expect((await me('not.a.jwt')).status).toBe(401);
      expect((await me('dt1.x.y')).status).toBe(401);
    });

    it('still accepts the good token', async () => {
      expect((await me(good)).status).toBe(200);
    });
  });
});
