/**
 * Auth attacks, each one both over HTTP and at the socket handshake where it applies: forged, altered,
 * mis-signed and expired access tokens; refresh-token replay and racing refreshes; password guessing;
 * cookie sessions without or with someone else's CSRF token; socket connections whose token expires;
 * and pages of foreign origins. Figure: attacks made and attacks that got in (must be 0).
 */
import { createHmac, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../backend/src/modules/auth/tokens.js';
import { WebClient, login } from '../support/auth.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';
import { report } from './support/figures.js';
import { raw } from './support/raw-http.js';
import { handshake, listen, until } from './support/sockets.js';

describe.runIf(withPostgres)('auth attacks', () => {
  let gym: GymFixture;
  let attacks = 0;
  const gotIn: string[] = [];

  beforeAll(async () => {
    gym = await startGym({ env: { CORS_ORIGINS: 'https://app.gymflow.example', PUBLIC_URL: 'http://localhost:8080' } });
  });
  afterAll(async () => {
    report('auth attacks', { attacks, got_in: gotIn.length });
    await gym?.stop();
  });

  const me = (headers: Record<string, string>) => raw(gym.url, { method: 'GET', path: '/api/auth/me', headers });

  it('refuses every forged, altered, mis-signed or expired access token over HTTP and at the socket handshake', async () => {
    const cfg = gym.server.config.jwt;
    const good = gym.tokens.owner;
    const [h, p, s] = good.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const { iat: _iat, exp: _exp, iss: _iss, aud: _aud, jti: _jti, ...base } = claims;
    const sign = (payload: object, options: jwt.SignOptions = {}, secret = cfg.secret) =>
      jwt.sign(payload, secret, { algorithm: 'HS256', issuer: cfg.issuer, audience: cfg.audience, expiresIn: 600, ...options });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const hmac = (data: string) => createHmac('sha256', cfg.secret).update(data).digest('base64url');
    const withClaims = (c: object) => `${h}.${b64({ ...claims, ...c })}.${s}`;
    const tokens: Record<string, string> = {
      'alg none': jwt.sign({ ...base }, '', { algorithm: 'none', issuer: cfg.issuer, audience: cfg.audience, expiresIn: 600 }),
      'alg none, no signature part': `${b64({ alg: 'none', typ: 'JWT' })}.${p}`,
      'alg HS512 with the real secret': sign(base, { algorithm: 'HS512' }),
      'alg RS256 header, HMAC signature': (() => { const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${p}`; return `${head}.${hmac(head)}`; })(),
      'wrong key': sign(base, {}, 'x'.repeat(40)),
      'the session secret as key': sign(base, {}, gym.server.config.session.secret),
      'expired': jwt.sign({ ...base, exp: Math.floor(Date.now() / 1000) - 10 }, cfg.secret, { algorithm: 'HS256', issuer: cfg.issuer, audience: cfg.audience }),
      'not yet valid': sign(base, { notBefore: 3600 }),
      'other issuer': sign(base, { issuer: 'evil' }),
      'other audience': sign(base, { audience: 'evil' }),
      'typ refresh': sign({ ...base, typ: 'refresh' }),
      'role display': sign({ ...base, role: 'display' }),
      'role platform_admin inside a tenant': sign({ ...base, role: 'platform_admin' }),
      'owner without a tenant': sign({ ...base, tid: null }),
      'sub not a uuid': sign({ ...base, sub: "' OR 1=1" }),
      'no family': sign({ ...base, fam: undefined }),
      'no ims': sign({ ...base, ims: undefined }),
      'role raised in the payload': withClaims({ role: 'owner', sub: gym.users.member }),
      'tenant changed in the payload': withClaims({ tid: gym.olympia }),
      'expiry extended in the payload': withClaims({ exp: claims.exp + 86_400 }),
      'signature stripped': `${h}.${p}.`,
      'signature truncated': `${h}.${p}.${s.slice(0, -2)}`,
      'extra segment': `${good}.xyz`,
      'padding added': `${h}.${p}=.${s}`,
      'header and payload swapped': `${p}.${h}.${s}`,
      'display-token shape with a made-up secret': `dt1.${gym.demo}.${'A'.repeat(43)}`,
      'refresh token as access token': (await login(gym.url, 'demo', 'member', 'member123')).refresh_token,
    };
    for (const [name, token] of Object.entries(tokens)) {
      attacks += 2;
      const a = await me({ authorization: `Bearer ${token}` });
      if (a.status !== 401) gotIn.push(`HTTP ${name}: ${a.status}`);
      const outcome = await handshake(gym.url, gym.demo, { token });
      if (outcome !== 'unauthorized') gotIn.push(`socket ${name}: ${outcome}`);
    }
    // Presented in odd places or forms, the good token does not count either.
    for (const [name, headers, path] of [
      ['token in the query string', {}, `/api/auth/me?access_token=${good}`],
      ['Basic scheme', { authorization: `Basic ${good}` }, '/api/auth/me'],
      ['Token scheme', { authorization: `Token ${good}` }, '/api/auth/me'],
      ['two tokens', { authorization: `Bearer ${good} ${good}` }, '/api/auth/me'],
    ] as Array<[string, Record<string, string>, string]>) {
      attacks++;
      const a = await raw(gym.url, { method: 'GET', path, headers });
      if (a.status !== 401) gotIn.push(`HTTP ${name}: ${a.status}`);
    }
    expect((await me({ authorization: `Bearer ${good}` })).status).toBe(200);
    expect(gotIn).toEqual([]);
  });

  it('ends a whole login when a spent refresh token comes back, and lets one of 20 racing refreshes win', async () => {
    const first = await login(gym.url, 'demo', 'member2', 'member123');
    const refresh = (token: string, headers: Record<string, string> = {}) =>
      raw(gym.url, { method: 'POST', path: '/api/auth/refresh', headers, json: { refresh_token: token } });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    attacks++;
    const replay = await refresh(first.refresh_token);
    if (replay.status !== 401) gotIn.push(`refresh replay: ${replay.status}`);
    // The thief's replay revoked the family: the legitimate newer tokens are dead too.
    attacks += 2;
    if ((await refresh(second.json.data.refresh_token)).status !== 401) gotIn.push('refresh after family revocation');
    if ((await me({ authorization: `Bearer ${second.json.data.access_token}` })).status !== 401) gotIn.push('access token after family revocation');

    const racing = await login(gym.url, 'demo', 'member2', 'member123');
    const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(racing.refresh_token)));
    attacks += 20;
    const won = answers.filter((a) => a.status === 200).length;
    if (won !== 1) gotIn.push(`${won} of 20 racing refreshes succeeded`);
    expect(answers.every((a) => a.status < 500)).toBe(true);

    const [, tenant, secret] = racing.refresh_token.split('.');
    for (const [name, token] of [
      ['refresh token moved to another tenant', `rt1.${gym.olympia}.${secret}`],
      ['refresh token moved to the platform', `rt1.platform.${secret}`],
      ['refresh token truncated', `rt1.${tenant}.${secret!.slice(1)}`],
    ] as Array<[string, string]>) {
      attacks++;
      const a = await refresh(token);
      if (a.status !== 401) gotIn.push(`${name}: ${a.status}`);
    }
    expect(gotIn).toEqual([]);
  });

  it('throttles password guessing before it can succeed, per account and per address', async () => {
    const person = await gym.f.user(gym.demo, { password: 'right-password-1' });
    let throttled = false;
    for (let i = 0; i < 15; i++) {
      attacks++;
      const a = await raw(gym.url, { method: 'POST', path: '/api/auth/login', json: { tenant: 'demo', username: person.username, password: `guess-${i}` } });
      if (a.status === 200) gotIn.push(`guess ${i} signed in`);
      if (a.status === 429) {
        throttled = true;
        expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(throttled).toBe(true);
    // Blocked means blocked: the right password does not get through during the block.
    attacks++;
    const right = await raw(gym.url, { method: 'POST', path: '/api/auth/login', json: { tenant: 'demo', username: person.username, password: 'right-password-1' } });
    if (right.status === 200) gotIn.push('the right password went through a throttled account');
    expect(right.status).toBe(429);
    expect(gotIn).toEqual([]);
  });

  it('refuses cookie requests without their own CSRF token, and renews the session id at login', async () => {
    const victim = new WebClient(gym.url);
    await victim.login('demo', 'owner', 'owner123');
    const attacker = new WebClient(gym.url);
    await attacker.login('demo', 'member', 'member123');
    const body = { name_en: 'CSRF', name_el: 'CSRF', capacity: 3 };
    for (const [name, headers] of [
      ['no CSRF token', {}],
      ['a wrong CSRF token', { 'x-csrf-token': 'abc-def' }],
      ["another session's CSRF token", { 'x-csrf-token': attacker.csrf! }],
      ['CSRF token in the body only', {}],
      ['from a foreign origin', { origin: 'https://evil.example' }],
    ] as Array<[string, Record<string, string>]>) {
      attacks++;
      const a = await raw(gym.url, {
        method: 'POST', path: '/api/areas', headers: { cookie: victim.cookieHeader, ...headers },
        json: name.includes('body') ? { ...body, _csrf: victim.csrf } : body,
      });
      if (a.status !== 403) gotIn.push(`cookie POST with ${name}: ${a.status}`);
    }
    // Session fixation: a session id planted before login is not the one used after it.
    const planted = new WebClient(gym.url);
    await planted.request('GET', '/auth/csrf');
    const fixation = planted.cookieHeader;
    await planted.login('demo', 'member', 'member123');
    attacks++;
    if (fixation && planted.cookieHeader.includes(fixation.split(';')[0]!)) gotIn.push('session id kept across login');
    expect(gotIn).toEqual([]);
  });

  it('drops a socket when its token expires and refuses the expired token on reconnect', async () => {
    const shortLived = (seconds: number) =>
      signAccessToken({ ...gym.server.config.jwt, accessTtlSeconds: seconds }, {
        sub: gym.users.member, tid: gym.demo, role: 'member', usr: 'member', loc: 'en', fam: randomUUID(),
      }).token;
    const sockets = await Promise.all([2, 2, 3].map((ttl) => listen(gym.url, gym.demo, { token: shortLived(ttl) })));
    const dropped: Array<string | null> = sockets.map(() => null);
    sockets.forEach((l, i) => l.socket.on('disconnect', (reason) => (dropped[i] = reason)));
    await until('every short-lived socket to be dropped', () => dropped.every(Boolean), 10_000);
    attacks += sockets.length;
    for (const l of sockets) l.close();
    // The server ended them, not the client or the network.
    expect(dropped).toEqual(sockets.map(() => 'io server disconnect'));
    // The expired token cannot come back.
    const expired = shortLived(1);
    await new Promise((r) => setTimeout(r, 1500));
    attacks++;
    const outcome = await handshake(gym.url, gym.demo, { token: expired });
    if (outcome !== 'unauthorized') gotIn.push(`expired token reconnected: ${outcome}`);
    expect(gotIn).toEqual([]);
  });

  it('refuses sockets and credentialed CORS from foreign origins', async () => {
    const web = new WebClient(gym.url);
    await web.login('demo', 'member', 'member123');
    const origins = ['https://evil.example', 'null', 'http://demo.localhost.evil.example', 'https://app.gymflow.example.evil.example', 'file://'];
    for (const origin of origins) {
      attacks += 3;
      const withCookie = await handshake(gym.url, gym.demo, { cookie: web.cookieHeader, origin });
      if (withCookie === 'connected') gotIn.push(`socket with cookie from ${origin}`);
      const withToken = await handshake(gym.url, gym.demo, { token: gym.tokens.member, origin });
      if (withToken === 'connected') gotIn.push(`socket with token from ${origin}`);
      const preflight = await raw(gym.url, { method: 'OPTIONS', path: '/api/gym-status', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      const allowed = preflight.headers['access-control-allow-origin'];
      if (allowed === origin || allowed === '*') gotIn.push(`CORS allows ${origin}`);
    }
    // The configured origin, the public one and a tenant's subdomain on the public scheme and port still work.
    expect(await handshake(gym.url, gym.demo, { token: gym.tokens.member, origin: 'https://app.gymflow.example' })).toBe('connected');
    expect(await handshake(gym.url, gym.demo, { cookie: web.cookieHeader, origin: 'http://localhost:8080' })).toBe('connected');
    expect(await handshake(gym.url, gym.demo, { cookie: web.cookieHeader, origin: 'http://demo.localhost:8080' })).toBe('connected');
    expect(gotIn).toEqual([]);
  });
});
