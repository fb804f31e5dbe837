/**
 * Who may do what: every role (member, trainer, owner, display, platform_admin, and nobody) against
 * the routes, with the role check in front of validation, so an allowed caller with an empty body gets
 * 400 and a refused one 403 (401 when anonymous). Then resource ownership: a member touches only own
 * bookings and workout sessions.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

type Who = 'member' | 'trainer' | 'owner' | 'display' | 'platform_admin' | 'anonymous';
const EVERYONE: Who[] = ['member', 'trainer', 'owner', 'display', 'platform_admin', 'anonymous'];

describe.runIf(withPostgres)('roles and ownership on PostgreSQL', () => {
  let server: TestServer;
  let url: string;
  const tokens: Partial<Record<Who, string>> = {};
  let areaId: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    url = server.url;
    tokens.member = (await login(url, 'demo', 'member', 'member123')).access_token;
    tokens.trainer = (await login(url, 'demo', 'trainer', 'trainer123')).access_token;
    tokens.owner = (await login(url, 'demo', 'owner', 'owner123')).access_token;
    tokens.platform_admin = (await login(url, null, 'admin', 'admin123')).access_token;
    tokens.display = (await api(url, 'POST', '/api/display-tokens', { token: tokens.owner, body: { name: 'Matrix screen' } })).body.data.token;
    areaId = (await api(url, 'GET', '/api/gym-status', { token: tokens.member })).body.data.areas.find((a: { is_bookable: boolean }) => a.is_bookable).id;
  });
  afterAll(async () => server?.stop());

  /** [method, path, body, roles allowed, status an allowed caller gets with this body]. */
  const matrix = (): Array<[string, string, unknown, Who[], number]> => [
    ['GET', '/api/gym-status', undefined, ['member', 'trainer', 'owner', 'display'], 200],
    ['GET', `/api/available-slots/${areaId}`, undefined, ['member', 'trainer', 'owner', 'display'], 200],
    ['POST', '/api/book-room', {}, ['member', 'trainer', 'owner'], 400],
    ['GET', '/api/user-bookings', undefined, ['member', 'trainer', 'owner'], 200],
    ['POST', '/api/cancel-booking', {}, ['member', 'trainer', 'owner'], 400],
    ['GET', '/api/bookings', undefined, ['trainer', 'owner'], 200],
    ['POST', '/api/visits', {}, ['trainer', 'owner'], 400],
    ['POST', '/api/start-workout', {}, ['member', 'trainer', 'owner'], 400],
    ['POST', '/api/complete-workout', {}, ['member', 'trainer', 'owner'], 400],
    ['GET', '/api/tenant', undefined, ['member', 'trainer', 'owner', 'display'], 200],
    ['PATCH', '/api/tenant', {}, ['owner'], 400],
    ['GET', '/api/display-tokens', undefined, ['owner'], 200],
    ['POST', '/api/display-tokens', {}, ['owner'], 400],
    ['GET', '/api/platform/tenants', undefined, ['platform_admin'], 200],
    ['PATCH', '/api/platform/tenants/00000000-0000-4000-8000-000000000000', {}, ['platform_admin'], 400],
    ['GET', '/api/auth/me', undefined, ['member', 'trainer', 'owner', 'platform_admin'], 200],
    ['POST', '/api/auth/logout', { refresh_token: 'rt1.platform.x' }, ['member', 'trainer', 'owner', 'platform_admin'], 401],
  ];

  it('answers every role on every route as declared', async () => {
    const failures: string[] = [];
    for (const [method, path, body, allowed, allowedStatus] of matrix()) {
      for (const who of EVERYONE) {
        const res = await api(url, method, path, { token: tokens[who as Exclude<Who, 'anonymous'>], body });
        const expected = allowed.includes(who) ? allowedStatus : who === 'anonymous' ? 401 : 403;
        if (res.status !== expected) failures.push(`${who} ${method} ${path}: ${res.status} (expected ${expected})`);
        if (!res.body.success && res.status === 403) expect(['forbidden']).toContain(res.body.data.code);
      }
    }
    expect(failures).toEqual([]);
  });

  it('publishes the declared roles in the OpenAPI document', async () => {
    const res = await fetch(`${url}/api/openapi.json`);
    const doc = await res.json();
    expect(doc.paths['/api/display-tokens'].post.description).toBe('Roles: owner.');
    expect(doc.paths['/api/platform/tenants'].get.description).toBe('Roles: platform_admin.');
    expect(doc.paths['/api/auth/login'].post.description).toBe('Public.');
    for (const path of ['/auth/login', '/auth/me', '/api/auth/refresh', '/api/tenants', '/api/tenant', '/api/platform/tenants/{id}', '/api/display-tokens/{id}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
  });

  describe('resource ownership', () => {
    let member2: string;
    beforeAll(async () => {
      member2 = (await login(url, 'demo', 'member2', 'member123')).access_token;
    });

    it("keeps a member away from another member's bookings, while staff reach them", async () => {
      const theirs = (await api(url, 'GET', '/api/user-bookings', { token: member2 })).body.data;
      const booking = theirs.find((b: { status: string }) => b.status === 'confirmed');
      expect(booking).toBeDefined();
      const peek = await api(url, 'GET', `/api/bookings/${booking.id}`, { token: tokens.member });
      expect(peek.status).toBe(404);
      const cancel = await api(url, 'POST', '/api/cancel-booking', { token: tokens.member, body: { booking_id: booking.id } });
      expect(cancel.status).toBe(404);
      const mine = (await api(url, 'GET', '/api/user-bookings', { token: tokens.member })).body.data;
      expect(mine.every((b: { id: string }) => b.id !== booking.id)).toBe(true);
      expect((await api(url, 'GET', `/api/bookings/${booking.id}`, { token: tokens.trainer })).status).toBe(200);
      expect((await api(url, 'GET', `/api/bookings/${booking.id}`, { token: member2 })).body.data).toMatchObject({ status: 'confirmed' });
    });

    it("keeps a member away from another member's workout session", async () => {
      const tenantId = (await api(url, 'GET', '/api/tenant', { token: member2 })).body.data.id;
      const program = await server.deps.uow.inTenant(tenantId, ({ trx }) => trx('workout_programs').first('id'));
      const started = await api(url, 'POST', '/api/start-workout', { token: member2, body: { program_id: program.id } });
      expect(started.status).toBe(201);
      const sessionId = started.body.data.session?.id ?? started.body.data.id;
      const hijack = await api(url, 'POST', '/api/complete-workout', { token: tokens.member, body: { session_id: sessionId } });
      expect(hijack.status).toBe(404);
      const done = await api(url, 'POST', '/api/complete-workout', { token: member2, body: { session_id: sessionId } });
      expect(done.status).toBe(200);
    });
  });
});
