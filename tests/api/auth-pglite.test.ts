/**
 * The embedded mode (PGlite, no Redis, one connection) signs people in the same way: tokens with
 * rotation and reuse detection, sessions in the database with CSRF, display tokens, signup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, WebClient } from '../support/auth.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe('sign-in in the embedded mode (PGlite)', () => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    url = server.url;
  });
  afterAll(async () => server?.stop());

  it('logs in, rotates, detects reuse and logs out', async () => {
    const first = await login(url, 'demo', 'member', 'member123');
    const second = await api(url, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(second.status).toBe(200);
    const reuse = await api(url, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(reuse.body.data.code).toBe('token_reused');
    expect((await api(url, 'GET', '/api/auth/me', { token: second.body.data.access_token })).status).toBe(401);

    const again = await login(url, 'demo', 'member', 'member123');
    const out = await api(url, 'POST', '/api/auth/logout', { token: again.access_token, body: { refresh_token: again.refresh_token } });
    expect(out.status).toBe(200);
    expect((await api(url, 'GET', '/api/auth/me', { token: again.access_token })).status).toBe(401);
  });

  it('keeps web sessions in the database and checks CSRF tokens', async () => {
    const web = new WebClient(url);
    await web.login('olympia', 'owner', 'owner123');
    expect((await web.request('PATCH', '/api/tenant', { body: { name: 'Olympia' }, csrf: false })).status).toBe(403);
    const patched = await web.request('PATCH', '/api/tenant', { body: { name: 'Olympia Fitness' } });
    expect(patched.status).toBe(200);
    // The app role reaches a stored session only by its id (it cannot list the table).
    const sid = /gym\.sid=([^;]+)/.exec(web.cookieHeader)![1]!;
    const stored = await server.deps.db.knex.raw('select web_session_get(?) as data', [sid]);
    expect(stored.rows[0].data).toMatchObject({ usr: 'owner', role: 'owner' });
    expect((await web.request('POST', '/auth/logout')).status).toBe(200);
    expect((await web.request('GET', '/auth/me')).status).toBe(401);
  });

  it('signs a gym up and serves its display tokens', async () => {
    const res = await api(url, 'POST', '/api/tenants', {
      body: { name: 'Embedded Gym', subdomain: 'embedded', owner: { username: 'chief', password: 'Amber-Fjord-Pilot-31' } },
    });
    expect(res.status).toBe(201);
    const chief = await login(url, 'embedded', 'chief', 'Amber-Fjord-Pilot-31');
    const screen = await api(url, 'POST', '/api/display-tokens', { token: chief.access_token, body: { name: 'Hall' } });
    expect(screen.status).toBe(201);
    const status = await api(url, 'GET', '/api/gym-status', { token: screen.body.data.token });
    expect(status.status).toBe(200);
    expect(status.body.data.areas).toEqual([]);
  });
});
