/** /api/members: staff see the people of their gym (never a password hash); owners manage them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/auth.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('members', () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym(); });
  afterAll(async () => gym?.stop());

  it('lists the people of the gym to staff with stats and without password hashes', async () => {
    const res = await gym.call('GET', '/api/members?limit=200', { token: gym.tokens.trainer });
    expect(res.status).toBe(200);
    const usernames = res.body.data.map((m: any) => m.username);
    expect(usernames).toEqual(expect.arrayContaining(['owner', 'trainer', 'member', 'member2']));
    expect(JSON.stringify(res.body.data)).not.toMatch(/password|\$2[aby]\$/);
    expect(res.body.data[0].stats).toHaveProperty('workouts_completed');
    const members = await gym.call('GET', '/api/members?role=member&q=member2', { token: gym.tokens.owner });
    expect(members.body.data.map((m: any) => m.username)).toEqual(['member2']);
    expect((await gym.call('GET', '/api/members', { token: gym.tokens.member })).status).toBe(403);
    expect((await gym.call('GET', '/api/members', { token: gym.tokens.display })).status).toBe(403);
    const olympia = await gym.call('GET', '/api/members', { token: gym.tokens.olympiaOwner });
    expect(olympia.body.data.some((m: any) => m.id === gym.users.member)).toBe(false);
  });

  it('creates a member who can then sign in, and refuses a taken username with 409', async () => {
    const created = await gym.call('POST', '/api/members', { token: gym.tokens.owner, body: { username: 'nikos', password: 'Copper-Violet-Otter-42', full_name: 'Nikos P', email: 'nikos@example.com' } });
    expect(created.status).toBe(201);
    expect(created.body.data.member).toMatchObject({ username: 'nikos', role: 'member', locale: 'en', active: true, full_name: 'Nikos P' });
    expect(JSON.stringify(created.body)).not.toMatch(/password/);
    const session = await login(gym.url, 'demo', 'nikos', 'Copper-Violet-Otter-42');
    expect(session.user.role).toBe('member');
    const again = await gym.call('POST', '/api/members', { token: gym.tokens.owner, body: { username: 'nikos', password: 'Copper-Violet-Otter-42' } });
    expect(again.status).toBe(409);
    expect(again.body.data.code).toBe('already_exists');
  });

  it('lets trainers add members but not staff, and only owners change roles', async () => {
    expect((await gym.call('POST', '/api/members', { token: gym.tokens.trainer, body: { username: 'eleni', password: 'Copper-Violet-Otter-42' } })).status).toBe(201);
    expect((await gym.call('POST', '/api/members', { token: gym.tokens.trainer, body: { username: 'boss2', password: 'Copper-Violet-Otter-42', role: 'owner' } })).status).toBe(403);
    expect((await gym.call('POST', '/api/members', { token: gym.tokens.member, body: { username: 'sneaky', password: 'Copper-Violet-Otter-42' } })).status).toBe(403);
    expect((await gym.call('PATCH', `/api/members/${gym.users.member2}`, { token: gym.tokens.trainer, body: { role: 'owner' } })).status).toBe(403);
    expect((await gym.call('PATCH', `/api/members/${gym.users.owner}`, { token: gym.tokens.trainer, body: { full_name: 'X' } })).status).toBe(403);
    const promoted = await gym.call('PATCH', `/api/members/${gym.users.member2}`, { token: gym.tokens.owner, body: { full_name: 'Manos M', locale: 'el' } });
    expect(promoted.body.data).toMatchObject({ full_name: 'Manos M', locale: 'el' });
  });

  it('deactivates instead of deleting, freeing future bookings and checking out, and never lets the owner lock themselves out', async () => {
    const p = await gym.person();
    const area = await gym.f.area(gym.demo, { booking_capacity: 1, capacity: 5 });
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Athens' });
    const booking = await gym.call('POST', '/api/book-room', { token: p.token, body: { room_id: area.id, date: tomorrow, time: '10:00' } });
    expect(booking.status).toBe(201);
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: p.id, area_id: area.id } })).status).toBe(201);
    const gone = await gym.call('DELETE', `/api/members/${p.id}`, { token: gym.tokens.owner });
    expect(gone.status).toBe(200);
    expect(gone.body.data.active).toBe(false);
    expect(gone.body.message).toBe('Account deactivated.');
    const after = await gym.call('GET', `/api/bookings/${booking.body.data.booking.id}`, { token: gym.tokens.owner });
    expect(after.body.data.status).toBe('cancelled');
    expect((await gym.call('GET', `/api/areas/${area.id}`, { token: gym.tokens.owner })).body.data.current_users).toBe(0);
    const types = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').orderBy('id', 'desc').limit(3).pluck('type'));
    expect(types).toEqual(['slots:changed', 'booking:cancelled', 'occupancy']);
    const self = await gym.call('DELETE', `/api/members/${gym.users.owner}`, { token: gym.tokens.owner });
    expect(self.status).toBe(422);
    expect((await gym.call('DELETE', `/api/members/${p.id}`, { token: gym.tokens.trainer })).status).toBe(403);
    expect((await gym.call('DELETE', `/api/members/${p.id}`, { token: gym.tokens.olympiaOwner })).status).toBe(404);
  });

  it('ends every login of a person at once when they are deactivated or their password changes', async () => {
    const made = await gym.call('POST', '/api/members', { token: gym.tokens.owner, body: { username: 'leaving', password: 'Copper-Violet-Otter-42' } });
    expect(made.status).toBe(201);
    const session = await login(gym.url, 'demo', 'leaving', 'Copper-Violet-Otter-42');
    expect((await gym.call('GET', '/api/user-bookings', { token: session.access_token })).status).toBe(200);
    const reset = await gym.call('PATCH', `/api/members/${made.body.data.member.id}`, { token: gym.tokens.owner, body: { password: 'Brisk-Maple-Harbor-77' } });
    expect(reset.status).toBe(200);
    expect((await gym.call('GET', '/api/user-bookings', { token: session.access_token })).status).toBe(401);
    expect((await gym.call('POST', '/api/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
    const again = await login(gym.url, 'demo', 'leaving', 'Brisk-Maple-Harbor-77');
    expect((await gym.call('DELETE', `/api/members/${made.body.data.member.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('GET', '/api/user-bookings', { token: again.access_token })).status).toBe(401);
    expect((await gym.call('POST', '/api/auth/refresh', { body: { refresh_token: again.refresh_token } })).status).toBe(401);
  });

  it('shows a member only their own record', async () => {
    expect((await gym.call('GET', `/api/members/${gym.users.member}`, { token: gym.tokens.member })).status).toBe(200);
    expect((await gym.call('GET', `/api/members/${gym.users.member2}`, { token: gym.tokens.member })).status).toBe(404);
  });

  it('refuses invalid people with 400', async () => {
    for (const body of [{ username: 'a', password: 'Copper-Violet-Otter-42' }, { username: 'ok-name', password: 'short' }, { username: 'has space', password: 'Copper-Violet-Otter-42' },
      { username: 'ok-name2', password: 'Copper-Violet-Otter-42', role: 'platform_admin' }, { username: 'ok-name3', password: 'Copper-Violet-Otter-42', email: 'nope' }, { username: 'ok-name4', password: 'ά'.repeat(40) }]) {
      expect((await gym.call('POST', '/api/members', { token: gym.tokens.owner, body })).status, JSON.stringify(body)).toBe(400);
    }
  });
});
