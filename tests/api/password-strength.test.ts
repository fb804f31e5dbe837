/**
 * New passwords must be long and hard to guess (zxcvbn with its common-password dictionary) wherever
 * they are set: signup, new members, changes and resets; the refusal names the field in the caller's
 * language. The demo logins, written by the seed, keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_MIN_LENGTH } from '../../backend/src/contracts/passwords.js';
import { login } from '../support/auth.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres)('password strength', () => {
  let server: TestServer;
  let owner: string;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    owner = (await login(server.url, 'demo', 'owner', 'owner123')).access_token;
  });
  afterAll(async () => server?.stop());

  const signup = (password: string, lang = 'en') =>
    api(server.url, 'POST', `/api/tenants?lang=${lang}`, { body: { name: 'Weak Gym', subdomain: `weak-${Math.random().toString(36).slice(2, 8)}`, owner: { username: 'boss', password } } });

  it('refuses short and common passwords on signup, with a translated message on the field', async () => {
    for (const [password, message] of [
      ['password', `At least ${PASSWORD_MIN_LENGTH} characters.`],
      ['12345678', `At least ${PASSWORD_MIN_LENGTH} characters.`],
      ['password1234', 'Too easy to guess: use a few unrelated words or a longer phrase.'],
      ['qwertyuiop', 'Too easy to guess: use a few unrelated words or a longer phrase.'],
    ] as const) {
      const res = await signup(password);
      expect(res.status, password).toBe(400);
      expect(res.body.data.details).toEqual([expect.objectContaining({ path: ['owner', 'password'], message })]);
    }
    const el = await signup('1234567890', 'el');
    expect(el.body.data.details).toEqual([expect.objectContaining({ path: ['owner', 'password'], message: expect.stringMatching(/^Μαντεύεται εύκολα/) })]);
    expect((await signup('Lantern-Orchid-Basalt-19')).status).toBe(201);
  });

  it('refuses weak passwords for new members and on change or reset, and keeps the demo logins', async () => {
    const weak = await api(server.url, 'POST', '/api/members', { token: owner, body: { username: 'weakling', password: 'iloveyou123' } });
    expect(weak.status).toBe(400);
    expect(weak.body.data.details[0].path).toEqual(['password']);
    const made = await api(server.url, 'POST', '/api/members', { token: owner, body: { username: 'strong', password: 'Pepper-Glacier-Atlas-26' } });
    expect(made.status).toBe(201);
    const reset = await api(server.url, 'PATCH', `/api/members/${made.body.data.member.id}`, { token: owner, body: { password: 'abcdefghij' } });
    expect(reset.status).toBe(400);
    expect(reset.body.data.details[0].path).toEqual(['password']);
    expect((await login(server.url, 'demo', 'strong', 'Pepper-Glacier-Atlas-26')).user.username).toBe('strong');
    expect((await login(server.url, 'demo', 'member', 'member123')).user.role).toBe('member');
  });
});
