/**
 * Cookie sessions of the web app: only a signed id in the cookie, the session in Redis or in the
 * database, a new id at every login, CSRF tokens on every state-changing cookie request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../backend/src/modules/auth/credentials.js';
import { WebClient } from '../support/auth.js';
import { withPostgres, withRedis } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const modes = [
  { name: 'in Redis', redis: true, enabled: withPostgres && withRedis },
  { name: 'in the database', redis: false, enabled: withPostgres },
];

for (const mode of modes) {
  describe.runIf(mode.enabled)(`web sessions ${mode.name} (PostgreSQL)`, () => {
    let server: TestServer;
    let url: string;

    beforeAll(async () => {
      server = await startTestServer({ driver: 'pg', redis: mode.redis });
      url = server.url;
    });
    afterAll(async () => server?.stop());

    it('signs in with a cookie that holds only a signed random id, httpOnly and SameSite', async () => {
      const web = new WebClient(url);
      const res = await web.login('demo', 'owner', 'owner123');
      expect(res.body.data.user).toMatchObject({ username: 'owner', role: 'owner' });
      expect(res.body.data.tenant).toMatchObject({ subdomain: 'demo' });
      expect(typeof res.body.data.csrf_token).toBe('string');
      const cookies = res.headers.getSetCookie();
      const sid = cookies.find((c) => c.startsWith('gym.sid='))!;
      expect(sid).toMatch(/^gym\.sid=[A-Za-z0-9_-]{43};/);
      expect(sid.toLowerCase()).toContain('httponly');
      expect(sid.toLowerCase()).toContain('samesite=lax');
      expect(sid.toLowerCase()).not.toContain('secure');
      expect(cookies.some((c) => c.startsWith('gym.sid.sig='))).toBe(true);
      expect(sid).not.toContain('owner');
    });

    it('keeps the session where configured, never in the cookie', async () => {
      const web = new WebClient(url);
      await web.login('demo', 'member', 'member123');
      const sid = /gym\.sid=([^;]+)/.exec(web.cookieHeader)![1]!;
      if (mode.redis) {
        expect(await server.deps.redis!.exists(`gym:sess:${sid}`)).toBe(1);
      } else {
        const row = (await server.deps.db.knex.raw('select web_session_get(?) as data', [sid])).rows[0];
        expect(row.data).toMatchObject({ usr: 'member', role: 'member' });
      }
    });

    it('answers the user, the tenant and the CSRF token at GET /auth/me', async () => {
      const web = new WebClient(url);
      const login = await web.login('olympia', 'member', 'member123');
      const me = await web.request('GET', '/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.data.user).toMatchObject({ username: 'member', locale: 'el' });
      expect(me.body.data.tenant).toMatchObject({ subdomain: 'olympia' });
      expect(typeof me.body.data.csrf_token).toBe('string');
      // The user's language answers, unless ?lang= says otherwise.
      expect(me.body.message).toBe('OK');
      expect(login.body.message).toBe('Συνδεθήκατε.');
      const apiMe = await web.request('GET', '/api/auth/me');
      expect(apiMe.status).toBe(200);
      const csrf = await web.request('GET', '/auth/csrf');
      expect(typeof csrf.body.data.csrf_token).toBe('string');
    });

    it('renews the session id at login', async () => {
      const web = new WebClient(url);
      await web.login('demo', 'member', 'member123');
      const before = web.cookieHeader;
      await web.login('demo', 'member2', 'member123');
      expect(web.cookieHeader).not.toBe(before);
      const me = await web.request('GET', '/auth/me');
      expect(me.body.data.user.username).toBe('member2');
      // The id from before the second login is no longer a session.
      const old = new WebClient(url);
      const stale = await fetch(`${url}/auth/me`, { headers: { cookie: before } });
      expect(stale.status).toBe(401);
      expect(old.csrf).toBeUndefined();
    });

    it('refuses state-changing cookie requests without the CSRF token, or with a wrong one', async () => {
      const web = new WebClient(url);
      await web.login('demo', 'owner', 'owner123');
      const without = await web.request('POST', '/auth/logout', { csrf: false });
      expect(without.status).toBe(403);
      expect(without.body.data.code).toBe('csrf_failed');
      const wrong = await web.request('POST', '/auth/logout', { csrf: false, headers: { 'x-csrf-token': 'x-forged-token' } });
      expect(wrong.status).toBe(403);
      const other = new WebClient(url);
      await other.login('demo', 'member', 'member123');
      const foreign = await web.request('PATCH', '/api/tenant', { csrf: false, headers: { 'x-csrf-token': other.csrf! }, body: { name: 'Hijacked' } });
      expect(foreign.status).toBe(403);
      expect(foreign.body.data.code).toBe('csrf_failed');
      // Reads need no token, and the session still works.
      expect((await web.request('GET', '/auth/me', { csrf: false })).status).toBe(200);
    });

    it('ends the session at logout, for HTTP and for the socket handshake', async () => {
      const web = new WebClient(url);
      await web.login('demo', 'trainer', 'trainer123');
      const cookie = web.cookieHeader;
      const before = await resolveCredentials(server.deps, { cookieHeader: cookie });
      expect(before).toMatchObject({ role: 'trainer', via: 'session' });
      const out = await web.request('POST', '/auth/logout');
      expect(out.status).toBe(200);
      expect((await fetch(`${url}/auth/me`, { headers: { cookie } })).status).toBe(401);
      expect(await resolveCredentials(server.deps, { cookieHeader: cookie })).toBeNull();
    });

    it('ends the session of a user who was deactivated', async () => {
      const web = new WebClient(url);
      const res = await web.login('olympia', 'member2', 'member123');
      const { id, tenant_id } = res.body.data.user;
      await server.deps.uow.inTenant(tenant_id, ({ trx }) => trx('users').where({ id }).update({ active: false }));
      try {
        expect((await web.request('GET', '/auth/me')).status).toBe(401);
        expect(await resolveCredentials(server.deps, { cookieHeader: web.cookieHeader })).toBeNull();
      } finally {
        await server.deps.uow.inTenant(tenant_id, ({ trx }) => trx('users').where({ id }).update({ active: true }));
      }
    });

    it('refuses a forged session cookie', async () => {
      const web = new WebClient(url);
      await web.login('demo', 'owner', 'owner123');
      const forged = web.cookieHeader.replace(/gym\.sid\.sig=[^;]+/, 'gym.sid.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA');
      expect((await fetch(`${url}/auth/me`, { headers: { cookie: forged } })).status).toBe(401);
      expect(await resolveCredentials(server.deps, { cookieHeader: forged })).toBeNull();
    });

    it('answers wrong web logins like token logins', async () => {
      const web = new WebClient(url);
      const res = await web.request('POST', '/auth/login', { body: { tenant: 'demo', username: 'owner', password: 'nope' } });
      expect(res.status).toBe(401);
      expect(res.body.data.code).toBe('invalid_credentials');
      expect(res.headers.getSetCookie()).toEqual([]);
    });
  });
}
