/**
 * The audit log: every change to who may do what leaves an entry written with the change, naming who
 * did it, to whom, when and from which address. The owner reads the gym's entries (paged), the
 * platform admin the platform's (plans, suspensions); row-level security keeps each to its own, and
 * the app itself cannot rewrite the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';
import { report } from './support/figures.js';

describe.runIf(withPostgres)('audit log', () => {
  let gym: GymFixture;
  let admin: string;
  beforeAll(async () => {
    gym = await startGym();
    admin = (await login(gym.url, null, 'admin', 'admin123')).access_token;
  });
  afterAll(async () => gym?.stop());

  /** Every page of a list, following the Link headers. */
  async function all(path: string, token: string): Promise<any[]> {
    const items: any[] = [];
    let next: string | null = path;
    while (next) {
      const res: { status: number; headers: Headers; body: { data: any[] } } = await gym.call('GET', next, { token });
      expect(res.status).toBe(200);
      items.push(...res.body.data);
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    }
    return items;
  }

  it('records role changes, deactivations, password resets and display-token revocations with actor, target and address', async () => {
    const person = await gym.person('member');
    const owner = { token: gym.tokens.owner };
    expect((await gym.call('PATCH', `/api/members/${person.id}`, { ...owner, body: { role: 'trainer' } })).status).toBe(200);
    expect((await gym.call('PATCH', `/api/members/${person.id}`, { ...owner, body: { password: 'Granite-Willow-Comet-85' } })).status).toBe(200);
    expect((await gym.call('DELETE', `/api/members/${person.id}`, owner)).status).toBe(200);
    const screen = await gym.call('POST', '/api/display-tokens', { ...owner, body: { name: 'Lobby' } });
    expect((await gym.call('DELETE', `/api/display-tokens/${screen.body.data.id}`, owner)).status).toBe(200);

    const entries = await all('/api/audit?limit=2', gym.tokens.owner);
    const mine = entries.filter((e) => e.target.id === person.id || e.target.id === screen.body.data.id);
    expect(mine.map((e) => e.action).reverse()).toEqual([
      'member.role_changed', 'member.password_reset', 'member.deactivated', 'display_token.created', 'display_token.revoked',
    ]);
    for (const e of mine) {
      expect(e.actor).toEqual({ id: gym.users.owner, role: 'owner' });
      expect(e.address).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(e.created_at)).toBeGreaterThan(Date.now() - 120_000);
    }
    expect(mine[mine.length - 1].details).toEqual({ from: 'member', to: 'trainer' });
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    report('audit log, gym actions', { actions: mine.length, pages_of_two: Math.ceil(entries.length / 2) });
  });

  it('records a reused refresh token ending a login', async () => {
    const first = await login(gym.url, 'demo', 'member2', 'member123');
    const refresh = (t: string) => gym.call('POST', '/api/auth/refresh', { body: { refresh_token: t } });
    expect((await refresh(first.refresh_token)).status).toBe(200);
    expect((await refresh(first.refresh_token)).status).toBe(401);
    const entries = await all('/api/audit?action=auth.token_reuse_revoked', gym.tokens.owner);
    expect(entries.some((e) => e.target.id === gym.users.member2 && e.actor === null)).toBe(true);
  });

  it('keeps plan and suspension changes in the platform log, readable only there', async () => {
    const t = await gym.f.tenant({ subscription_status: 'active', subscription_plan: 'basic' });
    expect((await gym.call('PATCH', `/api/platform/tenants/${t.id}`, { token: admin, body: { subscription_status: 'suspended', subscription_plan: 'pro' } })).status).toBe(200);
    const platform = await all('/api/platform/audit', admin);
    const about = platform.filter((e) => e.target.id === t.id).map((e) => [e.action, e.details]);
    expect(about).toEqual(expect.arrayContaining([
      ['tenant.plan_changed', { from: 'basic', to: 'pro' }], ['tenant.status_changed', { from: 'active', to: 'suspended' }],
    ]));
    // The gym's owner sees none of the platform's entries, and nobody else's gym; staff and members see none.
    const gymEntries = await all('/api/audit', gym.tokens.owner);
    expect(gymEntries.some((e) => e.action.startsWith('tenant.'))).toBe(false);
    expect(await all('/api/audit', gym.tokens.olympiaOwner)).toEqual([]);
    expect((await gym.call('GET', '/api/audit', { token: gym.tokens.trainer })).status).toBe(403);
    expect((await gym.call('GET', '/api/platform/audit', { token: gym.tokens.owner })).status).toBe(403);
    // Row-level security, not only the routes: a tenant scope reads no platform row, and no scope rewrites the log.
    const seen = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('audit_log').whereNull('tenant_id').count({ n: '*' }));
    expect(Number(seen[0]!.n)).toBe(0);
    await expect(gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('audit_log').del())).rejects.toMatchObject({ code: '42501' });
    await expect(gym.server.deps.uow.inPlatform((trx) => trx('audit_log').update({ action: 'x.y' }))).rejects.toMatchObject({ code: '42501' });
    report('audit log, platform actions', { platform_entries: about.length, visible_to_gym: 0 });
  });
});
