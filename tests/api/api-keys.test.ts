/**
 * Integrators' API keys over real HTTP: the owner makes them, the secret is shown once and kept only as
 * a hash, each key reaches only what its scopes name (and nothing of another gym), stops at once when
 * revoked, expired or when its creator is no longer an owner, has its own rate limit, and leaves its
 * making, use and revocation in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { REDIS_URL, withPostgres, withRedis } from '../support/services.js';

const RATE = 40;
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

describe.runIf(withPostgres && withRedis)('API keys on PostgreSQL and Redis', () => {
  let gym: GymFixture;
  let area: { id: string };

  beforeAll(async () => {
    gym = await startGym({ env: { REDIS_URL, API_KEY_REQUESTS_PER_MINUTE: String(RATE) } });
    area = await gym.f.area(gym.demo, { booking_capacity: 5, slot_minutes: 60, price_per_hour: 10, capacity: 500 });
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).update({ opening_hours: JSON.stringify(ALL_DAY) }));
  });
  afterAll(async () => gym?.stop());

  const make = (scopes: string[], extra: Record<string, unknown> = {}, token = gym.tokens.owner) =>
    gym.call('POST', '/api/api-keys', { token, body: { name: `Integration ${scopes.join(' ')}`, scopes, ...extra } });
  const keyOf = async (scopes: string[], token = gym.tokens.owner) => {
    const res = await make(scopes, {}, token);
    expect(res.status).toBe(201);
    return res.body.data as { id: string; key: string; prefix: string };
  };
  const row = (id: string) => gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('api_keys').where({ id }).first());

  it('shows the secret once, at creation, and keeps only its SHA-256 hash', async () => {
    const res = await make(['occupancy:read', 'bookings:read']);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = res.body.data;
    expect(created.key).toMatch(/^gf_live_[A-Za-z0-9_-]{65}$/);
    expect(created).toMatchObject({ state: 'active', scopes: ['bookings:read', 'occupancy:read'], expires_at: null, last_used_at: null, created_by: gym.users.owner });
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const list = await gym.call('GET', '/api/api-keys', { token: gym.tokens.owner });
    expect(list.status).toBe(200);
    expect(list.body.data.find((k: { id: string }) => k.id === created.id)).toMatchObject({ name: created.name, prefix: created.prefix, state: 'active' });
    const secretPart = created.key.slice('gf_live_'.length, 'gf_live_'.length + 43);
    expect(JSON.stringify(list.body)).not.toContain(secretPart);

    const stored = await row(created.id);
    const { createHash } = await import('node:crypto');
    expect(stored.token_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(secretPart);
  });

  it('refuses bad input next to its field, translated', async () => {
    const bad = await gym.call('POST', '/api/api-keys?lang=el', { token: gym.tokens.owner, body: { name: '', scopes: ['bookings:read', 'bookings:read', 'admin'], expires_at: '2001-01-01T00:00:00Z' } });
    expect(bad.status).toBe(400);
    expect(bad.body.data.code).toBe('invalid_input');
    const paths = bad.body.data.details.map((d: { path: string[] }) => d.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['name', 'scopes.2', 'expires_at']));
    const expiry = bad.body.data.details.find((d: { path: string[] }) => d.path[0] === 'expires_at');
    expect(expiry.message).toBe('Επιλέξτε μια μελλοντική στιγμή ή αφήστε το κενό.');
    expect((await make([])).status).toBe(400);
  });

  it('lets an occupancy:read key read the live view but neither book nor see anyone (403 insufficient_scope)', async () => {
    const { key } = await keyOf(['occupancy:read']);
    const status = await gym.call('GET', '/api/gym-status', { token: key });
    expect(status.status).toBe(200);
    expect((await gym.call('GET', `/api/available-slots/${area.id}?date=${athensDate(3)}`, { token: key })).status).toBe(200);
    expect((await gym.call('GET', '/api/areas', { token: key })).status).toBe(200);

    const book = await gym.call('POST', '/api/book-room', { token: key, body: { room_id: area.id, date: athensDate(3), time: '10:00', duration: 60, user_id: gym.users.member } });
    expect(book.status).toBe(403);
    expect(book.body.data).toEqual({ code: 'insufficient_scope', details: { scope: 'bookings:write' } });
    expect(book.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="bookings:write"');
    for (const [path, scope] of [['/api/bookings', 'bookings:read'], ['/api/members', 'members:read'], ['/api/visits', 'members:read'], [`/api/members/${gym.users.member}`, 'members:read']]) {
      const res = await gym.call('GET', path!, { token: key });
      expect(res.status, path).toBe(403);
      expect(res.body.data.details, path).toEqual({ scope });
    }
    // Routes no scope opens: refused to every key.
    for (const path of ['/api/user-bookings', '/api/auth/me', '/api/audit', '/api/display-tokens', '/api/workouts', '/api/programs']) {
      const res = await gym.call('GET', path, { token: key });
      expect(res.status, path).toBe(403);
      expect(res.body.data.code, path).toBe('forbidden');
    }
  });

  it('books and cancels with bookings:write for the member it names, and needs that member', async () => {
    const { key } = await keyOf(['bookings:write', 'bookings:read']);
    const body = { room_id: area.id, date: athensDate(3), time: '11:00', duration: 60 };
    const nobody = await gym.call('POST', '/api/book-room', { token: key, body });
    expect(nobody.status).toBe(400);
    expect(nobody.body.data.details).toEqual([expect.objectContaining({ path: ['user_id'] })]);
    const booked = await gym.call('POST', '/api/book-room', { token: key, body: { ...body, user_id: gym.users.member2 } });
    expect(booked.status).toBe(201);
    expect(booked.body.data.booking).toMatchObject({ user_id: gym.users.member2, area_id: area.id, status: 'confirmed' });
    const id = booked.body.data.booking.id;
    expect((await gym.call('GET', `/api/bookings/${id}`, { token: key })).status).toBe(200);
    const cancelled = await gym.call('POST', `/api/bookings/${id}/cancel`, { token: key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
  });

  it('refuses an expired key with 401 api_key_expired', async () => {
    const created = (await make(['occupancy:read'], { expires_at: new Date(Date.now() + 3_600_000).toISOString() })).body.data;
    expect((await gym.call('GET', '/api/gym-status', { token: created.key })).status).toBe(200);
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('api_keys').where({ id: created.id }).update({ expires_at: new Date(Date.now() - 1000) }));
    const refused = await gym.call('GET', '/api/gym-status', { token: created.key });
    expect(refused.status).toBe(401);
    expect(refused.body.data.code).toBe('api_key_expired');
    const listed = (await gym.call('GET', '/api/api-keys', { token: gym.tokens.owner })).body.data.find((k: { id: string }) => k.id === created.id);
    expect(listed.state).toBe('expired');
  });

  it('refuses a revoked key from the next request on; revoking twice is harmless', async () => {
    const { id, key } = await keyOf(['occupancy:read']);
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(200);
    const revoked = await gym.call('DELETE', `/api/api-keys/${id}`, { token: gym.tokens.owner });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toMatchObject({ state: 'revoked' });
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(401);
    expect((await gym.call('DELETE', `/api/api-keys/${id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('DELETE', `/api/api-keys/${crypto.randomUUID()}`, { token: gym.tokens.owner })).status).toBe(404);
  });

  it('lets only an owner make, list and revoke keys: not a member, a trainer, a wall screen or a key', async () => {
    const { id, key } = await keyOf(['occupancy:read', 'bookings:read', 'bookings:write', 'members:read', 'webhooks:manage']);
    for (const token of [gym.tokens.member, gym.tokens.trainer, gym.tokens.display, key]) {
      expect((await make(['occupancy:read'], {}, token)).status).toBe(403);
      expect((await gym.call('GET', '/api/api-keys', { token })).status).toBe(403);
      expect((await gym.call('DELETE', `/api/api-keys/${id}`, { token })).status).toBe(403);
    }
    expect((await row(id)).revoked_at).toBeNull();
  });

  it("stops a key the moment its creator is no longer an active owner, and says why in the list", async () => {
    const coOwner = await gym.person('owner');
    const { id, key } = await keyOf(['occupancy:read'], coOwner.token);
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(200);
    expect((await gym.call('PATCH', `/api/members/${coOwner.id}`, { token: gym.tokens.owner, body: { role: 'trainer' } })).status).toBe(200);
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(401);
    const listed = (await gym.call('GET', '/api/api-keys', { token: gym.tokens.owner })).body.data.find((k: { id: string }) => k.id === id);
    expect(listed.state).toBe('creator_inactive');

    const other = await gym.person('owner');
    const second = await keyOf(['occupancy:read'], other.token);
    expect((await gym.call('DELETE', `/api/members/${other.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('GET', '/api/gym-status', { token: second.key })).status).toBe(401);
  });

  it('keeps a key inside its own gym', async () => {
    const { key } = await keyOf(['occupancy:read', 'bookings:read', 'members:read']);
    const named = await gym.call('GET', '/api/gym-status', { token: key, headers: { 'x-tenant-id': gym.olympia } });
    expect(named.status).toBe(403);
    expect(named.body.data.code).toBe('tenant_mismatch');
    // The key with the other gym's id in its tail is no key there.
    const olympiaTail = Buffer.from(gym.olympia.replace(/-/g, ''), 'hex').toString('base64url');
    expect((await gym.call('GET', '/api/gym-status', { token: key.slice(0, -22) + olympiaTail })).status).toBe(401);
    const theirs = await gym.call('POST', '/api/book-room', {
      token: gym.tokens.olympiaMember,
      body: { room_id: (await gym.areas('olympia')).find((a) => a.is_bookable)!.id, date: athensDate(5), time: '09:00' },
    });
    const theirBooking = theirs.status === 201 ? theirs.body.data.booking.id : crypto.randomUUID();
    expect((await gym.call('GET', `/api/bookings/${theirBooking}`, { token: key })).status).toBe(404);
    expect((await gym.call('GET', `/api/members/${gym.users.olympiaMember}`, { token: key })).status).toBe(404);
    const bookings = await gym.call('GET', '/api/bookings?limit=200', { token: key });
    expect(JSON.stringify(bookings.body)).not.toContain(gym.olympia);
    const olympiaOwnerList = await gym.call('GET', '/api/api-keys', { token: gym.tokens.olympiaOwner });
    expect(olympiaOwnerList.body.data).toEqual([]);
  });

  it('holds each key to its own rate limit, exactly, under a parallel burst', async () => {
    const [{ key }, { key: other }] = [await keyOf(['occupancy:read']), await keyOf(['occupancy:read'])];
    const answers = await Promise.all(Array.from({ length: RATE + 20 }, () => gym.call('GET', '/api/gym-status', { token: key })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.data.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key, and the people, are not held back by it.
    expect((await gym.call('GET', '/api/gym-status', { token: other })).status).toBe(200);
    expect((await gym.call('GET', '/api/gym-status', { token: gym.tokens.owner })).status).toBe(200);
  });

  it('records the last use and address at most once a minute, and writes making, use and revocation to the audit log', async () => {
    const { id, key } = await keyOf(['occupancy:read']);
    await Promise.all(Array.from({ length: 8 }, () => gym.call('GET', '/api/gym-status', { token: key })));
    const used = await row(id);
    expect(used.last_used_at).not.toBeNull();
    expect(used.last_used_address).toMatch(/127\.0\.0\.1/);
    await gym.call('DELETE', `/api/api-keys/${id}`, { token: gym.tokens.owner });
    const audit = await gym.call('GET', '/api/audit?limit=200', { token: gym.tokens.owner });
    const mine = audit.body.data.filter((e: { target: { id: string } }) => e.target.id === id);
    expect(mine.map((e: { action: string }) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked', 'api_key.used']);
    expect(mine.find((e: { action: string }) => e.action === 'api_key.created')).toMatchObject({ actor: { id: gym.users.owner, role: 'owner' }, details: { scopes: ['occupancy:read'] } });
    expect(mine.find((e: { action: string }) => e.action === 'api_key.used')).toMatchObject({ actor: { id: null, role: 'api_key' } });
  });

  it('describes the key scheme and the scope of every route in the OpenAPI document', async () => {
    const doc = await (await fetch(`${gym.url}/api/openapi.json`)).json();
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/book-room'].post.security).toContainEqual({ apiKey: ['bookings:write'] });
    expect(doc.paths['/api/gym-status'].get.security).toContainEqual({ apiKey: ['occupancy:read'] });
    expect(doc.paths['/api/api-keys'].post.security.some((s: object) => 'apiKey' in s)).toBe(false);
    expect(doc.paths['/api/api-keys'].post.description).toContain('API keys: not accepted');
  });
});

describe('API keys in the embedded mode (PGlite, no Redis)', () => {
  let gym: GymFixture;
  beforeAll(async () => {
    gym = await startGym({ driver: 'pglite' });
  }, 180_000);
  afterAll(async () => gym?.stop());

  it('makes, uses, limits to its scopes and revokes a key', async () => {
    const made = await gym.call('POST', '/api/api-keys', { token: gym.tokens.owner, body: { name: 'Kiosk', scopes: ['occupancy:read'] } });
    expect(made.status).toBe(201);
    const { id, key } = made.body.data;
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(200);
    expect((await gym.call('GET', '/api/bookings', { token: key })).body.data.code).toBe('insufficient_scope');
    const listed = (await gym.call('GET', '/api/api-keys', { token: gym.tokens.owner })).body.data;
    expect(listed.find((k: { id: string }) => k.id === id)).toMatchObject({ scopes: ['occupancy:read'], state: 'active' });
    expect((await gym.call('DELETE', `/api/api-keys/${id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('GET', '/api/gym-status', { token: key })).status).toBe(401);
  });
});
