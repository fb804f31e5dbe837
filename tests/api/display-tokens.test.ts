/**
 * Wall-screen tokens: created and revoked by the owner, shown once, stored hashed, read-only, confined
 * to their tenant, and refused from the moment they are revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../backend/src/modules/auth/credentials.js';
import { login } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres)('display tokens on PostgreSQL', () => {
  let server: TestServer;
  let url: string;
  let owner: string;
  let demoId: string;
  let olympiaId: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    url = server.url;
    owner = (await login(url, 'demo', 'owner', 'owner123')).access_token;
    const rows = await server.deps.uow.inPlatform((trx) => trx('tenants').select('id', 'subdomain'));
    demoId = rows.find((r) => r.subdomain === 'demo')!.id;
    olympiaId = rows.find((r) => r.subdomain === 'olympia')!.id;
  });
  afterAll(async () => server?.stop());

  const create = (name: string, token = owner) => api(url, 'POST', '/api/display-tokens', { token, body: { name } });

  it('shows the secret once at creation and keeps only its hash', async () => {
    const res = await create('Lobby screen');
    expect(res.status).toBe(201);
    const created = res.body.data;
    expect(created.token).toMatch(new RegExp(`^dt1\\.${demoId}\\.[A-Za-z0-9_-]{43}$`));
    expect(created).toMatchObject({ name: 'Lobby screen', revoked_at: null, last_used_at: null });
    expect(res.headers.get('cache-control')).toBe('no-store');

    const list = await api(url, 'GET', '/api/display-tokens', { token: owner });
    expect(list.status).toBe(200);
    const listed = list.body.data.find((t: { id: string }) => t.id === created.id);
    expect(listed).toMatchObject({ name: 'Lobby screen' });
    expect(JSON.stringify(list.body)).not.toContain(created.token.split('.')[2]);

    const row = await server.deps.uow.inTenant(demoId, ({ trx }) => trx('display_tokens').where({ id: created.id }).first());
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(created.token.split('.')[2]);
  });

  it('lets a screen read the live view but nothing personal and nothing writable', async () => {
    const { token, id } = (await create('Gym floor')).body.data;
    const status = await api(url, 'GET', '/api/gym-status', { token });
    expect(status.status).toBe(200);
    expect(status.body.data.areas.length).toBeGreaterThan(0);
    expect((await api(url, 'GET', '/api/tenant', { token })).status).toBe(200);
    for (const path of ['/api/user-bookings', '/api/bookings', '/api/display-tokens', '/api/auth/me', '/api/platform/tenants']) {
      expect((await api(url, 'GET', path, { token })).status, path).toBe(403);
    }
    for (const [method, path] of [['POST', '/api/book-room'], ['POST', '/api/display-tokens'], ['PATCH', '/api/tenant'], ['DELETE', `/api/display-tokens/${id}`]]) {
      expect((await api(url, method!, path!, { token, body: { name: 'x' } })).status, `${method} ${path}`).toBe(403);
    }
    const resolved = await resolveCredentials(server.deps, { token });
    expect(resolved).toEqual({ tenantId: demoId, userId: null, role: 'display', username: null, via: 'display', expiresAt: null });
    const used = await server.deps.uow.inTenant(demoId, ({ trx }) => trx('display_tokens').where({ id }).first('last_used_at'));
    expect(used.last_used_at).not.toBeNull();
  });

  it('stays inside its tenant', async () => {
    const { token } = (await create('Entrance')).body.data;
    const other = await api(url, 'GET', '/api/gym-status', { token, headers: { 'x-tenant-id': olympiaId } });
    expect(other.status).toBe(403);
    expect(other.body.data.code).toBe('tenant_mismatch');
    // Moving the token to another tenant's prefix finds nothing there.
    const moved = token.replace(demoId, olympiaId);
    expect((await api(url, 'GET', '/api/gym-status', { token: moved })).status).toBe(401);
    expect(await resolveCredentials(server.deps, { token: moved })).toBeNull();
  });

  it('refuses a revoked token from the next request on', async () => {
    const { token, id } = (await create('Old screen')).body.data;
    expect((await api(url, 'GET', '/api/gym-status', { token })).status).toBe(200);
    const revoked = await api(url, 'DELETE', `/api/display-tokens/${id}`, { token: owner });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revoked_at).not.toBeNull();
    expect((await api(url, 'GET', '/api/gym-status', { token })).status).toBe(401);
    expect(await resolveCredentials(server.deps, { token })).toBeNull();
    expect((await api(url, 'DELETE', `/api/display-tokens/${id}`, { token: owner })).status).toBe(200);
  });

  it('lets only the owner of the same tenant manage tokens', async () => {
    const { id } = (await create('Spin room')).body.data;
    const olympiaOwner = (await login(url, 'olympia', 'owner', 'owner123')).access_token;
    const foreign = await api(url, 'DELETE', `/api/display-tokens/${id}`, { token: olympiaOwner });
    expect(foreign.status).toBe(404);
    const theirList = await api(url, 'GET', '/api/display-tokens', { token: olympiaOwner });
    expect(theirList.body.data.find((t: { id: string }) => t.id === id)).toBeUndefined();
    const trainer = (await login(url, 'demo', 'trainer', 'trainer123')).access_token;
    expect((await create('Nope', trainer)).status).toBe(403);
    expect((await api(url, 'GET', '/api/display-tokens', { token: trainer })).status).toBe(403);
    expect((await api(url, 'DELETE', `/api/display-tokens/${id}`, { token: trainer })).status).toBe(403);
    expect((await api(url, 'DELETE', '/api/display-tokens/not-a-uuid', { token: owner })).status).toBe(400);
    expect((await create('')).status).toBe(400);
  });
});
