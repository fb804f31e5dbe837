/**
 * Who may do what: every role (member, trainer, owner, display, platform_admin, and nobody) against
 * the routes, with the role check in front of validation, so an allowed caller with an empty body gets
 * 400 and a refused one 403 (401 when anonymous). Then resource ownership: a member touches only own
 * bookings and workout sessions.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { ApiRegistry, route } from '../../backend/src/http/route.js';
import { z } from 'zod';
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
    expect(doc.paths['/api/display-tokens'].post.description).toBe('Roles: owner. API keys: not accepted.');
    expect(doc.paths['/api/platform/tenants'].get.description).toBe('Roles: platform_admin. API keys: not accepted.');
    expect(doc.paths['/api/bookings'].get.description).toBe('Roles: trainer, owner. API keys: scope `bookings:read`.');
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

  describe('field-level permissions on every update route', () => {
    it('refuses a trainer who deactivates a member or changes a role with PATCH, and changes nothing', async () => {
      const me = await login(url, 'demo', 'member', 'member123');
      const before = (await api(url, 'GET', '/api/user-bookings', { token: me.access_token })).body.data
        .filter((b: { status: string }) => b.status === 'confirmed').length;
      for (const body of [{ active: false }, { role: 'trainer' }, { full_name: 'Renamed', active: false }]) {
        const res = await api(url, 'PATCH', `/api/members/${me.user.id}`, { token: tokens.trainer, body });
        expect(res.status, JSON.stringify(body)).toBe(403);
        expect(res.body.data).toEqual({ code: 'forbidden', details: { field: Object.keys(body).find((k) => k !== 'full_name') } });
      }
      const after = await api(url, 'GET', `/api/members/${me.user.id}`, { token: tokens.owner });
      expect(after.body.data).toMatchObject({ active: true, role: 'member' });
      expect(after.body.data.full_name).not.toBe('Renamed');
      const still = (await api(url, 'GET', '/api/user-bookings', { token: me.access_token })).body.data
        .filter((b: { status: string }) => b.status === 'confirmed').length;
      expect(still).toBe(before);
      // What trainers may change, they change.
      expect((await api(url, 'PATCH', `/api/members/${me.user.id}`, { token: tokens.trainer, body: { member_id: 'M-17' } })).status).toBe(200);
    });

    it('lets the owner deactivate and re-role with PATCH', async () => {
      const tenantId = (await api(url, 'GET', '/api/tenant', { token: tokens.owner })).body.data.id;
      const person = await factories(server.deps.db, server.deps.uow).user(tenantId);
      expect((await api(url, 'PATCH', `/api/members/${person.id}`, { token: tokens.owner, body: { role: 'trainer' } })).status).toBe(200);
      expect((await api(url, 'PATCH', `/api/members/${person.id}`, { token: tokens.owner, body: { active: false } })).body.data).toMatchObject({ active: false, role: 'trainer' });
    });

    it('checks the fields of every other PATCH route against the caller', async () => {
      const program = (await api(url, 'GET', '/api/programs', { token: tokens.member })).body.data[0].id;
      const booking = (await api(url, 'GET', '/api/user-bookings', { token: tokens.member })).body.data[0].id;
      const tenantId = (await api(url, 'GET', '/api/tenant', { token: tokens.owner })).body.data.id;
      const cases: Array<[Who, string, Record<string, unknown>]> = [
        ['trainer', `/api/areas/${areaId}`, { capacity: 1 }],
        ['member', `/api/programs/${program}`, { name_en: 'Mine now' }],
        ['trainer', '/api/tenant', { name: 'Trainer Gym' }],
        ['member', `/api/bookings/${booking}`, { status: 'completed' }],
        ['owner', `/api/platform/tenants/${tenantId}`, { subscription_status: 'active' }],
      ];
      for (const [who, path, body] of cases) {
        const res = await api(url, 'PATCH', path, { token: tokens[who as Exclude<Who, 'anonymous'>], body });
        expect(res.status, `${who} PATCH ${path}`).toBe(403);
      }
      const doc = await (await fetch(`${url}/api/openapi.json`)).json();
      expect(doc.paths['/api/members/{id}'].patch.description).toContain('role (owner); active (owner)');
    });

    it('refuses to mount an update route that does not say who may set each field', () => {
      const body = z.object({ name: z.string(), secret: z.string() }).partial();
      const spec = { method: 'patch' as const, path: '/x', summary: 'x', tag: 'x', roles: ['owner'] as const, body, handler: async () => undefined };
      expect(() => new ApiRegistry().add(route(spec))).toThrow(/missing: name, secret/);
      expect(() => new ApiRegistry().add(route({ ...spec, fields: { name: ['owner'] } }))).toThrow(/missing: secret/);
      expect(() => new ApiRegistry().add(route({ ...spec, fields: { name: ['owner'], secret: ['owner'] } }))).not.toThrow();
    });
  });
});
