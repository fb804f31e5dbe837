/**
 * Token formats. Access tokens are JWTs (HS256 pinned, issuer and audience checked). Refresh and display
 * tokens are opaque random secrets stored only as SHA-256 hashes; each one starts with its tenant id so
 * the row is found inside that tenant's scope, never with a cross-tenant query.
 *
 *   refresh: `rt1.<tenant uuid | "platform">.<43 chars base64url>`
 *   display: `dt1.<tenant uuid>.<43 chars base64url>`
 *   API key: `gf_live_<43 chars base64url><tenant uuid as 22 chars base64url>` (see newApiKey)
 */
import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import { ROLES, type Role } from '../../http/auth-context.js';
import { isLocale, type Locale } from '../../contracts/i18n.js';
import { API_KEY_PREFIX } from '../../contracts/api-scopes.js';
import { isUuid } from '../../contracts/common.js';

const SECRET = /^[A-Za-z0-9_-]{43}$/;


/** What an access token says about its bearer. */
export interface AccessClaims {
  sub: string;
  /** Tenant id; null for the platform admin. */
  tid: string | null;
  role: Role;
  usr: string;
  loc: Locale;
  /** The refresh-token family (the login) this token belongs to; revoking the family ends it. */
  fam: string;
  /** Issued at, in milliseconds (iat has only seconds), for user-wide revocation. */
  ims: number;
  typ: 'access';
  exp: number;
  jti: string;
}

/**
 * The HMAC key as a KeyObject, made once per secret: given a string, jsonwebtoken first tries (and fails)
 * to parse it as a public key on every call, which was most of the cost of a verify.
 */
const keys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

export function signAccessToken(
  cfg: Config['jwt'],
  claims: Omit<AccessClaims, 'typ' | 'exp' | 'jti' | 'ims'>,
): { token: string; expiresIn: number; expiresAt: number } {
  const expiresIn = cfg.accessTtlSeconds;
  const token = jwt.sign({ ...claims, typ: 'access', ims: Date.now() }, hmacKey(cfg.secret), {
    algorithm: 'HS256',
    expiresIn,
    issuer: cfg.issuer,
    audience: cfg.audience,
    jwtid: randomUUID(),
  });
  return { token, expiresIn, expiresAt: Math.floor(Date.now() / 1000) + expiresIn };
}

export type AccessVerdict = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/** Verifies signature, algorithm (HS256 only: `none` and asymmetric confusions fail), issuer, audience, expiry and shape. */
export function verifyAccessToken(cfg: Config['jwt'], token: string): AccessVerdict {
  let payload: unknown;
  try {
    payload = jwt.verify(token, hmacKey(cfg.secret), { algorithms: ['HS256'], issuer: cfg.issuer, audience: cfg.audience });
  } catch (err) {
    return { ok: false, reason: (err as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid' };
  }
  if (typeof payload !== 'object') return { ok: false, reason: 'invalid' };
  const p = payload as Partial<AccessClaims>;
  if (p.typ !== 'access' || !isUuid(p.sub) || !isUuid(p.fam) || typeof p.exp !== 'number' || typeof p.ims !== 'number') {
    return { ok: false, reason: 'invalid' };
  }
  if (!(p.tid === null || isUuid(p.tid))) return { ok: false, reason: 'invalid' };
  if (!ROLES.includes(p.role as Role) || p.role === 'display' || p.role === 'api_key') return { ok: false, reason: 'invalid' };
  if ((p.role === 'platform_admin') !== (p.tid === null)) return { ok: false, reason: 'invalid' };
  return {
    ok: true,
    claims: {
      sub: p.sub, tid: p.tid, role: p.role as Role, usr: typeof p.usr === 'string' ? p.usr : '',
      loc: isLocale(p.loc) ? p.loc : 'en', fam: p.fam, ims: p.ims, typ: 'access', exp: p.exp, jti: p.jti ?? '',
    },
  };
}

/** The access-token check of a process (AppDeps.accessTokens). */
export interface AccessVerifier {
  verify(token: string): AccessVerdict;
}

/** Verified access tokens one process remembers; beyond it the least recently used is verified again. */
const MAX_VERIFIED = 10_000;

/**
 * verifyAccessToken with a memory: a client sends the same token on every call of its life, and the
 * HMAC and claim checks were the costliest part of authenticating a request. Keyed by the whole token,
 * so only the exact string that verified is answered from here, and only until its `exp`; revocation is
 * the standing check's (revocations.ts), which runs on every use either way.
 */
export function createAccessVerifier(cfg: Config['jwt'], options: { max?: number } = {}): AccessVerifier {
  const verified = new LRUCache<string, AccessClaims>({ max: options.max ?? MAX_VERIFIED });
  return {
    verify(token) {
      const hit = verified.get(token);
      if (hit) {
        // jsonwebtoken's rule: a token is expired from its `exp` second on.
        if (Math.floor(Date.now() / 1000) < hit.exp) return { ok: true, claims: hit };
        verified.delete(token);
        return { ok: false, reason: 'expired' };
      }
      const verdict = verifyAccessToken(cfg, token);
      if (verdict.ok) verified.set(token, verdict.claims);
      return verdict;
    },
  };
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const secret = () => randomBytes(32).toString('base64url');

/** A new opaque token of a kind, for a tenant (null: the platform). */
export function newOpaqueToken(kind: 'rt1' | 'dt1', tenantId: string | null): { token: string; hash: string } {
  const token = `${kind}.${tenantId ?? 'platform'}.${secret()}`;
  return { token, hash: sha256(token) };
}

/** Splits an opaque token into its tenant (null: platform) and hash; null when it is not one of `kind`. */
export function parseOpaqueToken(kind: 'rt1' | 'dt1', token: unknown): { tenantId: string | null; hash: string } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== kind || !SECRET.test(parts[2]!)) return null;
  const scope = parts[1]!;
  if (scope === 'platform' && kind === 'rt1') return { tenantId: null, hash: sha256(token) };
  if (!isUuid(scope)) return null;
  return { tenantId: scope, hash: sha256(token) };
}

/** A cheap pre-check used to route a presented token to the right resolver. */
export const looksLikeDisplayToken = (token: string) => token.startsWith('dt1.');

/**
 * An API key: `gf_live_` + 43 chars of secret (256 bits) + the tenant's uuid as 22 chars of base64url,
 * so it is looked up inside its gym like every other token, and its first characters (the `prefix`
 * shown to the owner) differ from key to key. Stored as SHA-256 only.
 */
export function newApiKey(tenantId: string): { token: string; hash: string; prefix: string } {
  const token = `${API_KEY_PREFIX}${secret()}${Buffer.from(tenantId.replace(/-/g, ''), 'hex').toString('base64url')}`;
  return { token, hash: sha256(token), prefix: token.slice(0, API_KEY_PREFIX.length + 6) };
}

const API_KEY = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}([A-Za-z0-9_-]{22})$`);

/** The tenant and hash of an API key; null when the string is not one. */
export function parseApiKey(token: unknown): { tenantId: string; hash: string } | null {
  if (typeof token !== 'string') return null;
  const m = API_KEY.exec(token);
  if (!m) return null;
  const hex = Buffer.from(m[1]!, 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  const tenantId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return isUuid(tenantId) ? { tenantId, hash: sha256(token) } : null;
}

export const looksLikeApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);
