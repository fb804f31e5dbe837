import { afterEach, describe, expect, it, vi } from 'vitest';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { createAccessVerifier, signAccessToken } from '../../backend/src/modules/auth/tokens.js';

const cfg = { secret: 'k'.repeat(48), issuer: 'gymflow', audience: 'gymflow-api', accessTtlSeconds: 60 } as Parameters<typeof signAccessToken>[0];
const claims = () => ({ sub: randomUUID(), tid: randomUUID(), role: 'member' as const, usr: 'm', loc: 'en' as const, fam: randomUUID() });

describe('the access-token verifier', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('checks the signature of a token once and answers its claims from memory after that', () => {
    const verifier = createAccessVerifier(cfg);
    const { token } = signAccessToken(cfg, claims());
    const verify = vi.spyOn(jwt, 'verify');
    const first = verifier.verify(token);
    const second = verifier.verify(token);
    expect(first.ok && second.ok && second.claims.sub === first.claims.sub).toBe(true);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a remembered token from its exp second on, as jsonwebtoken does', () => {
    vi.useFakeTimers({ now: new Date('2027-01-01T10:00:00Z') });
    const verifier = createAccessVerifier(cfg);
    const { token, expiresAt } = signAccessToken(cfg, claims());
    expect(verifier.verify(token).ok).toBe(true);
    vi.setSystemTime((expiresAt - 1) * 1000);
    expect(verifier.verify(token).ok).toBe(true);
    vi.setSystemTime(expiresAt * 1000);
    expect(verifier.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('never answers a changed token from the memory of the one that verified', () => {
    const verifier = createAccessVerifier(cfg);
    const { token } = signAccessToken(cfg, claims());
    expect(verifier.verify(token).ok).toBe(true);
    const [head, body, sig] = token.split('.') as [string, string, string];
    const other = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...other, role: 'owner' })).toString('base64url')}.${sig}`;
    const flipped = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(verifier.verify(forged)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifier.verify(flipped)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps a bounded number of tokens and verifies an evicted one again', () => {
    const verifier = createAccessVerifier(cfg, { max: 2 });
    const tokens = [1, 2, 3].map(() => signAccessToken(cfg, claims()).token);
    for (const t of tokens) expect(verifier.verify(t).ok).toBe(true);
    const verify = vi.spyOn(jwt, 'verify');
    expect(verifier.verify(tokens[0]!).ok).toBe(true);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
