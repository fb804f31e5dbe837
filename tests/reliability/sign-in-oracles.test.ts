/**
 * Sign-in oracles: answers that tell an attacker more than "no". A suspended gym answers every
 * sign-in the same whatever the password (it used to answer a right one 403 and a wrong one 401), and
 * usernames differ by more than case (`Owner` next to `owner` is refused, the platform admin's too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';
import { report } from './support/figures.js';

describe.runIf(withPostgres)('sign-in oracles', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
  });
  afterAll(async () => server?.stop());

  const signIn = (body: Record<string, string>) => api(server.url, 'POST', '/api/auth/login', { body });

  it('answers every sign-in to a suspended gym the same, whatever the password', async () => {
    const f = factories(server.deps.db, server.deps.uow);
    const gym = await f.tenant({ subscription_status: 'suspended' });
    const person = await f.user(gym.id, { password: 'the-right-one-42' });
    const answers = await Promise.all([
      signIn({ tenant: gym.subdomain, username: person.username, password: 'the-right-one-42' }),
      signIn({ tenant: gym.subdomain, username: person.username, password: 'a-wrong-one' }),
      signIn({ tenant: gym.subdomain, username: 'nobody-here', password: 'the-right-one-42' }),
    ]);
    const shapes = answers.map((a) => `${a.status} ${a.body.data.code}`);
    report('suspended gym sign-in', { distinct_answers: new Set(shapes).size, answer: shapes[0]! });
    expect(new Set(shapes)).toEqual(new Set(['403 tenant_suspended']));
  });

  it('refuses a username that differs from another only by case, with a 409 naming the field', async () => {
    const owner = await login(server.url, 'demo', 'owner', 'owner123');
    const res = await api(server.url, 'POST', '/api/members?lang=el', {
      token: owner.access_token, body: { username: 'Owner', password: 'Quiet-Harbor-Lantern-9', role: 'member' },
    });
    expect(res.status).toBe(409);
    expect(res.body.data.code).toBe('already_exists');
    expect(res.body.data.details).toEqual({ field: 'username' });
    expect(res.body.message).toBe('Υπάρχει ήδη.');
    // Sign-in ignores case the same way: there is one `owner`.
    expect((await signIn({ tenant: 'demo', username: 'OWNER', password: 'owner123' })).status).toBe(200);
    // The platform's usernames too.
    await expect(
      server.deps.uow.inPlatform((trx) => trx('users').insert({ tenant_id: null, username: 'Admin', password_hash: 'x', role: 'platform_admin' })),
    ).rejects.toMatchObject({ code: '23505' });
    report('case-insensitive usernames', { owner_next_to_owner: res.status });
  });
});
