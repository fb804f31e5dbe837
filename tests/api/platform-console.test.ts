/**
 * What the platform console and the forms rely on: the platform admin finds, opens and re-plans gyms
 * with counts only; invalid input answers each field's problem, path as an array, in the caller's language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres)('the platform console and form errors', () => {
  let server: TestServer;
  let admin: string;
  let owner: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    admin = (await login(server.url, null, 'admin', 'admin123')).access_token;
    owner = (await login(server.url, 'demo', 'owner', 'owner123')).access_token;
  });
  afterAll(async () => server?.stop());

  it('lists gyms with members, areas, bookings this month and people inside, and finds them by name', async () => {
    const all = await api(server.url, 'GET', '/api/platform/tenants', { token: admin });
    const demo = all.body.data.find((t: { subdomain: string }) => t.subdomain === 'demo');
    expect(demo.counts).toMatchObject({ members: 2, areas: expect.any(Number), bookings_this_month: expect.any(Number), people_in: expect.any(Number) });
    expect(demo.counts.bookings_this_month).toBeGreaterThan(0);
    expect(JSON.stringify(demo)).not.toMatch(/member123|username|opening_hours/);

    const found = await api(server.url, 'GET', '/api/platform/tenants?q=olymp', { token: admin });
    expect(found.body.data.map((t: { subdomain: string }) => t.subdomain)).toEqual(['olympia']);
  });

  it('opens a gym with its first owner on a chosen plan, and the owner can sign in', async () => {
    const body = { name: 'North Gym', subdomain: 'north-gym', subscription_plan: 'pro', owner: { username: 'north', password: 'north-secret-9' } };
    const res = await api(server.url, 'POST', '/api/platform/tenants', { token: admin, body });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ subdomain: 'north-gym', subscription_plan: 'pro', subscription_status: 'active', counts: { users: { owner: 1 } } });
    await expect(login(server.url, 'north-gym', 'north', 'north-secret-9')).resolves.toHaveProperty('access_token');

    const again = await api(server.url, 'POST', '/api/platform/tenants', { token: admin, body });
    expect(again.status).toBe(409);
    expect(again.body.data).toEqual({ code: 'already_exists', details: { field: 'subdomain' } });
  });

  it('answers each invalid field with its path as an array and a message in the caller\'s language', async () => {
    const bad = { name_en: '', name_el: 'Χ', capacity: 0, price_per_hour: -1 };
    const en = await api(server.url, 'POST', '/api/areas', { token: owner, body: bad });
    expect(en.status).toBe(400);
    const byField = Object.fromEntries(en.body.data.details.map((i: { path: string[]; message: string }) => [i.path.join('.'), i.message]));
    expect(en.body.data.details[0].path).toBeInstanceOf(Array);
    expect(byField).toMatchObject({ name_en: 'Required.', capacity: 'At least 1.', price_per_hour: 'At least 0.' });

    // Olympia's owner speaks Greek (the account's language decides for a signed-in caller).
    const greekOwner = (await login(server.url, 'olympia', 'owner', 'owner123')).access_token;
    const el = await api(server.url, 'POST', '/api/areas', { token: greekOwner, body: bad });
    const elByField = Object.fromEntries(el.body.data.details.map((i: { path: string[]; message: string }) => [i.path.join('.'), i.message]));
    expect(elByField).toMatchObject({ name_en: 'Υποχρεωτικό.', capacity: 'Τουλάχιστον 1.' });

    const uuid = await api(server.url, 'GET', '/api/areas/not-a-uuid', { token: greekOwner });
    expect(uuid.body.data.details).toEqual([{ path: ['id'], code: 'invalid_format', message: 'Μη έγκυρο αναγνωριστικό.' }]);
  });

  it('names the field of a taken username', async () => {
    const res = await api(server.url, 'POST', '/api/members', { token: owner, body: { username: 'member', password: 'long-enough-pw-1' } });
    expect(res.status).toBe(409);
    expect(res.body.data).toEqual({ code: 'already_exists', details: { field: 'username' } });
  });
});
