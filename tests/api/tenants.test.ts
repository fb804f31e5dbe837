/**
 * Gyms as customers: a new gym signs up and sees only itself; owners change their settings; the
 * platform admin lists, suspends and re-plans tenants (counts only); plans limit areas and members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../backend/src/modules/auth/credentials.js';
import { assertPlanAllows } from '../../backend/src/modules/tenants/plan-limits.js';
import { login, WebClient } from '../support/auth.js';
import { withPostgres, withRedis } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

const gym = (subdomain: string, extra: Record<string, unknown> = {}) => ({
  name: `Gym ${subdomain}`,
  subdomain,
  owner: { username: 'boss', password: 'Velvet-Canyon-Drift-58', email: 'boss@example.com', full_name: 'The Boss' },
  ...extra,
});

describe.runIf(withPostgres && withRedis)('tenants on PostgreSQL and Redis', () => {
  let server: TestServer;
  let url: string;
  let admin: string;
  let demoId: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg', redis: true });
    url = server.url;
    admin = (await login(url, null, 'admin', 'admin123')).access_token;
    demoId = (await server.deps.uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id;
  });
  afterAll(async () => server?.stop());

  describe('signup', () => {
    it('creates a gym on a trial plan; its owner logs in and sees nothing of the demo tenants', async () => {
      const res = await api(url, 'POST', '/api/tenants', { body: gym('fresh-gym', { settings: { locale: 'el', timezone: 'Europe/Berlin' } }) });
      expect(res.status).toBe(201);
      const { tenant, owner } = res.body.data;
      expect(tenant).toMatchObject({ subdomain: 'fresh-gym', subscription_plan: 'trial', subscription_status: 'trialing', limits: { areas: 5, members: 50 } });
      expect(new Date(tenant.trial_ends_at).getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
      expect(tenant.settings).toMatchObject({ locale: 'el', timezone: 'Europe/Berlin', currency: 'EUR' });
      expect(owner).toMatchObject({ username: 'boss', role: 'owner', tenant_id: tenant.id, locale: 'el' });
      expect(JSON.stringify(res.body)).not.toContain('Velvet-Canyon-Drift-58');

      const boss = await login(url, 'fresh-gym', 'boss', 'Velvet-Canyon-Drift-58');
      const mine = await api(url, 'GET', '/api/tenant', { token: boss.access_token });
      expect(mine.status).toBe(200);
      expect(mine.body.data).toMatchObject({ id: tenant.id, usage: { areas: 0, members: 0 } });
      expect((await api(url, 'GET', '/api/display-tokens', { token: boss.access_token })).body.data).toEqual([]);
      // The gym's own lists are empty: no demo area, booking or person leaks in.
      const status = await api(url, 'GET', '/api/gym-status', { token: boss.access_token });
      expect(status.body.data).toMatchObject({ areas: [], totals: { current_users: 0, capacity: 0 } });
      expect((await api(url, 'GET', '/api/bookings', { token: boss.access_token })).body.data).toEqual([]);
      expect((await api(url, 'GET', '/api/user-bookings', { token: boss.access_token })).body.data).toEqual([]);
      const people = (await api(url, 'GET', '/api/members', { token: boss.access_token })).body.data;
      expect(people.map((p: { username: string }) => p.username)).toEqual(['boss']);
      // Naming a demo tenant is refused, never followed.
      const peek = await api(url, 'GET', '/api/tenant', { token: boss.access_token, headers: { 'x-tenant-id': demoId } });
      expect(peek.status).toBe(403);
      // The demo owner's username does not exist in the new gym, and the new owner not in demo.
      expect((await api(url, 'POST', '/api/auth/login', { body: { tenant: 'fresh-gym', username: 'owner', password: 'owner123' } })).status).toBe(401);
      expect((await api(url, 'POST', '/api/auth/login', { body: { tenant: 'demo', username: 'boss', password: 'Velvet-Canyon-Drift-58' } })).status).toBe(401);
      // Inside its scope the database holds only its own rows.
      const seen = await server.deps.uow.inTenant(tenant.id, async ({ trx }) => ({
        users: await trx('users').select('username', 'tenant_id'),
        areas: await trx('gym_areas').count({ n: '*' }),
        bookings: await trx('bookings').count({ n: '*' }),
      }));
      expect(seen.users).toEqual([{ username: 'boss', tenant_id: tenant.id }]);
      expect(Number(seen.areas[0]!.n)).toBe(0);
      expect(Number(seen.bookings[0]!.n)).toBe(0);
    });

    it('refuses a subdomain that is taken, reserved or malformed, writing nothing', async () => {
      const taken = await api(url, 'POST', '/api/tenants', { body: gym('demo') });
      expect(taken.status).toBe(409);
      expect(taken.body.data.code).toBe('already_exists');
      for (const subdomain of ['platform', 'www', 'Bad_Name', '-dash', 'x'.repeat(64)]) {
        const res = await api(url, 'POST', '/api/tenants', { body: gym(subdomain) });
        expect(res.status, subdomain).toBe(400);
        expect(res.body.data.code).toBe('invalid_input');
      }
      const weak = await api(url, 'POST', '/api/tenants', { body: { ...gym('weak-gym'), owner: { username: 'boss', password: 'short' } } });
      expect(weak.status).toBe(400);
      const badZone = await api(url, 'POST', '/api/tenants', { body: gym('zone-gym', { settings: { timezone: 'Mars/Olympus' } }) });
      expect(badZone.status).toBe(400);
      const count = await server.deps.uow.inPlatform((trx) => trx('tenants').whereIn('subdomain', ['weak-gym', 'zone-gym', 'platform']).count({ n: '*' }));
      expect(Number(count[0]!.n)).toBe(0);
    });

    it('creates only one gym when the same subdomain is signed up twice at once', async () => {
      const answers = await Promise.all([
        api(url, 'POST', '/api/tenants', { body: gym('race-gym') }),
        api(url, 'POST', '/api/tenants', { body: gym('race-gym') }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    });
  });

  it('tells the sign-in page that the demo gyms and their published logins exist', async () => {
    const res = await api(server.url, 'GET', '/api/sign-in-options');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ demo_logins: true });
  });

  describe('tenant settings', () => {
    it('lets the owner change name and settings, merging settings', async () => {
      const owner = await login(url, 'demo', 'owner', 'owner123');
      const res = await api(url, 'PATCH', '/api/tenant', {
        token: owner.access_token,
        body: { name: 'Demo Gym Central', settings: { currency: 'USD', opening_hours: { mon: { open: '07:00', close: '22:00' }, sun: null } } },
      });
      expect(res.status).toBe(200);
      expect(res.body.data.name).toBe('Demo Gym Central');
      expect(res.body.data.settings).toMatchObject({ currency: 'USD', timezone: 'Europe/Athens', locale: 'en', opening_hours: { mon: { open: '07:00', close: '22:00' }, sun: null } });
      const back = await api(url, 'PATCH', '/api/tenant', { token: owner.access_token, body: { name: 'Demo Gym', settings: { currency: 'EUR' } } });
      expect(back.status).toBe(200);
    });

    it('refuses bad settings with 400 and changes nothing', async () => {
      const owner = await login(url, 'demo', 'owner', 'owner123');
      for (const body of [
        {},
        { settings: { timezone: 'Nowhere/Land' } },
        { settings: { locale: 'fr' } },
        { settings: { opening_hours: { mon: { open: '22:00', close: '07:00' } } } },
        { settings: { opening_hours: { funday: { open: '07:00', close: '09:00' } } } },
        { name: '' },
      ]) {
        const res = await api(url, 'PATCH', '/api/tenant', { token: owner.access_token, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      const now = await api(url, 'GET', '/api/tenant', { token: owner.access_token });
      expect(now.body.data.name).toBe('Demo Gym');
    });

    it('shows the tenant to its members and screens but lets only the owner change it', async () => {
      const member = await login(url, 'demo', 'member', 'member123');
      const got = await api(url, 'GET', '/api/tenant', { token: member.access_token });
      expect(got.status).toBe(200);
      expect(got.body.data.usage).toBeUndefined();
      expect((await api(url, 'PATCH', '/api/tenant', { token: member.access_token, body: { name: 'Mine now' } })).status).toBe(403);
      const trainer = await login(url, 'demo', 'trainer', 'trainer123');
      expect((await api(url, 'PATCH', '/api/tenant', { token: trainer.access_token, body: { name: 'Mine now' } })).status).toBe(403);
      expect((await api(url, 'GET', '/api/tenant', { token: admin })).status).toBe(403);
      expect((await api(url, 'GET', '/api/tenant')).status).toBe(401);
    });
  });

  describe('platform administration', () => {
    it('lists tenants with counts only, paged with a Link header', async () => {
      const res = await api(url, 'GET', '/api/platform/tenants?limit=2', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(2);
      const link = res.headers.get('link')!;
      expect(link).toMatch(/rel="next"/);
      const all = [...res.body.data];
      let next: string | null = /<([^>]+)>/.exec(link)![1]!;
      while (next) {
        const page: Awaited<ReturnType<typeof api<any[]>>> = await api<any[]>(url, 'GET', next, { token: admin });
        expect(page.status).toBe(200);
        all.push(...page.body.data);
        const l: string | null = page.headers.get('link');
        next = l ? /<([^>]+)>/.exec(l)![1]! : null;
      }
      const subdomains = all.map((t) => t.subdomain);
      expect(new Set(subdomains).size).toBe(subdomains.length);
      const demo = all.find((t) => t.subdomain === 'demo');
      expect(demo.counts.users).toEqual({ owner: 1, trainer: 1, member: 2 });
      expect(demo.counts.areas).toBeGreaterThanOrEqual(4);
      expect(Object.keys(demo)).not.toContain('settings');
      expect(JSON.stringify(all)).not.toMatch(/member2|@demo\.example/);
    });

    it('refuses the platform endpoints to everybody but the platform admin', async () => {
      const owner = await login(url, 'demo', 'owner', 'owner123');
      expect((await api(url, 'GET', '/api/platform/tenants', { token: owner.access_token })).status).toBe(403);
      expect((await api(url, 'PATCH', `/api/platform/tenants/${demoId}`, { token: owner.access_token, body: { subscription_plan: 'enterprise' } })).status).toBe(403);
      expect((await api(url, 'GET', '/api/platform/tenants')).status).toBe(401);
      expect((await api(url, 'GET', '/api/platform/tenants?cursor=garbage', { token: admin })).status).toBe(400);
      expect((await api(url, 'GET', '/api/platform/tenants/00000000-0000-4000-8000-000000000000', { token: admin })).status).toBe(404);
      expect((await api(url, 'PATCH', `/api/platform/tenants/${demoId}`, { token: admin, body: { subscription_plan: 'gold' } })).status).toBe(400);
    });

    it('suspends a tenant: its users cannot log in, their tokens, sessions and screens stop; reactivation restores them', async () => {
      await api(url, 'POST', '/api/tenants', { body: gym('suspend-me') });
      const boss = await login(url, 'suspend-me', 'boss', 'Velvet-Canyon-Drift-58');
      const web = new WebClient(url);
      await web.login('suspend-me', 'boss', 'Velvet-Canyon-Drift-58');
      const screen = (await api(url, 'POST', '/api/display-tokens', { token: boss.access_token, body: { name: 'Lobby' } })).body.data.token;
      const id = boss.user.tenant_id!;

      const suspended = await api(url, 'PATCH', `/api/platform/tenants/${id}`, { token: admin, body: { subscription_status: 'suspended' } });
      expect(suspended.status).toBe(200);
      expect(suspended.body.data.subscription_status).toBe('suspended');

      const relogin = await api(url, 'POST', '/api/auth/login', { body: { tenant: 'suspend-me', username: 'boss', password: 'Velvet-Canyon-Drift-58' } });
      expect(relogin.status).toBe(403);
      expect(relogin.body.data.code).toBe('tenant_suspended');
      // A wrong password answers the same: the answer never tells whether the password was right.
      expect((await api(url, 'POST', '/api/auth/login', { body: { tenant: 'suspend-me', username: 'boss', password: 'nope-nope' } })).status).toBe(403);
      const bearer = await api(url, 'GET', '/api/tenant', { token: boss.access_token });
      expect(bearer.status).toBe(403);
      expect(bearer.body.data.code).toBe('tenant_suspended');
      expect((await api(url, 'POST', '/api/auth/refresh', { body: { refresh_token: boss.refresh_token } })).status).toBe(403);
      expect((await api(url, 'GET', '/api/tenant', { token: screen })).status).toBe(403);
      expect((await web.request('GET', '/auth/me')).status).toBe(403);
      for (const token of [boss.access_token, screen]) expect(await resolveCredentials(server.deps, { token })).toBeNull();

      const back = await api(url, 'PATCH', `/api/platform/tenants/${id}`, { token: admin, body: { subscription_status: 'active' } });
      expect(back.status).toBe(200);
      expect((await api(url, 'GET', '/api/tenant', { token: boss.access_token })).status).toBe(200);
      expect((await api(url, 'GET', '/api/tenant', { token: screen })).status).toBe(200);
      expect(await resolveCredentials(server.deps, { token: boss.access_token })).toMatchObject({ role: 'owner', tenantId: id });
    });
  });

  describe('plan limits', () => {
    it('answers the sixth area of a trial gym with 403 plan_limit_reached', async () => {
      await api(url, 'POST', '/api/tenants', { body: gym('area-gym') });
      const boss = await login(url, 'area-gym', 'boss', 'Velvet-Canyon-Drift-58');
      const area = (i: number) => ({ name_en: `Room ${i}`, name_el: `Αίθουσα ${i}`, capacity: 10 });
      for (let i = 1; i <= 5; i++) {
        const res = await api(url, 'POST', '/api/areas', { token: boss.access_token, body: area(i) });
        expect(res.status, `area ${i}`).toBe(201);
      }
      const sixth = await api(url, 'POST', '/api/areas', { token: boss.access_token, body: area(6) });
      expect(sixth.status).toBe(403);
      expect(sixth.body.data).toMatchObject({ code: 'plan_limit_reached', details: { resource: 'areas', plan: 'trial', limit: 5 } });
      expect(sixth.body.message).toBe('Your plan does not allow more of these.');
    });

    it('refuses the area and the member past the plan with 403 plan_limit_reached, and allows them after a re-plan', async () => {
      const created = (await api(url, 'POST', '/api/tenants', { body: gym('tiny-gym') })).body.data.tenant;
      const { uow } = server.deps;
      await uow.inTenant(created.id, async (scope) => {
        for (let i = 0; i < 5; i++) {
          await assertPlanAllows(scope, 'areas');
          await scope.trx('gym_areas').insert({ tenant_id: created.id, name_en: `Area ${i}`, name_el: `Χώρος ${i}`, capacity: 10 });
        }
      });
      const refused = await uow.inTenant(created.id, (scope) => assertPlanAllows(scope, 'areas')).catch((e) => e);
      expect(refused).toMatchObject({ status: 403, code: 'plan_limit_reached', details: { resource: 'areas', plan: 'trial', limit: 5 } });
      await expect(uow.inTenant(created.id, (scope) => assertPlanAllows(scope, 'members'))).resolves.toBeUndefined();

      const replanned = await api(url, 'PATCH', `/api/platform/tenants/${created.id}`, { token: admin, body: { subscription_plan: 'basic', subscription_status: 'active' } });
      expect(replanned.status).toBe(200);
      expect(replanned.body.data).toMatchObject({ subscription_plan: 'basic', limits: { areas: 10 }, counts: { areas: 5 } });
      await expect(uow.inTenant(created.id, (scope) => assertPlanAllows(scope, 'areas'))).resolves.toBeUndefined();
      const boss = await login(url, 'tiny-gym', 'boss', 'Velvet-Canyon-Drift-58');
      const seen = await api(url, 'GET', '/api/tenant', { token: boss.access_token });
      expect(seen.body.data).toMatchObject({ subscription_plan: 'basic', usage: { areas: 5, members: 0 }, limits: { areas: 10, members: 500 } });
    });
  });
});
