/**
 * Edges of the web: security headers on every answer, CORS only for the configured origins, and the
 * session cookie marked Secure in production over HTTPS.
 */
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyPassword } from '../../backend/src/modules/auth/passwords.js';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe('password checks', () => {
  it('runs one bcrypt comparison of the configured cost for an unknown user as for a known one', async () => {
    const spy = vi.spyOn(bcrypt, 'compare');
    try {
      const known = await bcrypt.hash('right-password', 5);
      expect(await verifyPassword('wrong-password', known, 5)).toBe(false);
      expect(await verifyPassword('any-password', undefined, 5)).toBe(false);
      expect(await verifyPassword('right-password', known, 5)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(3);
      const costs = spy.mock.calls.map(([, hash]) => bcrypt.getRounds(hash as string));
      expect(costs).toEqual([5, 5, 5]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe.runIf(withPostgres)('security headers and CORS on PostgreSQL', () => {
  let server: TestServer;
  const allowed = 'https://app.gym.example';

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg', env: { CORS_ORIGINS: `${allowed},https://admin.gym.example` } });
  });
  afterAll(async () => server?.stop());

  it('sends the helmet security headers', async () => {
    const res = await fetch(`${server.url}/api/auth/me`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers CORS preflights only for origins on the allow-list', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' },
      });
    const ok = await preflight(allowed);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-csrf-token');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeFalsy();
    const simple = await api(server.url, 'POST', '/api/auth/login', {
      headers: { origin: 'https://evil.example' },
      body: { tenant: 'demo', username: 'member', password: 'member123' },
    });
    expect(simple.headers.get('access-control-allow-origin')).toBeFalsy();
  });
});

describe.runIf(withPostgres)('session cookies in production on PostgreSQL', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      driver: 'pg',
      env: {
        NODE_ENV: 'production',
        TRUST_PROXY: 'true',
        MIGRATE_ON_START: 'true',
        SEED_DEMO: 'true',
        LOG_LEVEL: 'silent',
      },
    });
  });
  afterAll(async () => server?.stop());

  it('marks the session cookie Secure when the request came over HTTPS', async () => {
    const res = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ tenant: 'demo', username: 'owner', password: 'owner123' }),
    });
    expect(res.status).toBe(200);
    const sid = res.headers.getSetCookie().find((c) => c.startsWith('gym.sid='))!;
    expect(sid.toLowerCase()).toContain('; secure');
    expect(sid.toLowerCase()).toContain('httponly');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
  });
});
