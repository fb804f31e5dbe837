/**
 * API keys on sockets: a key connects with `auth: {token}` like any credential and receives only the
 * events its scopes cover, live and replayed (no booking events and no identity for occupancy:read);
 * revoking it, or demoting its creator, on one server closes its sockets on another at once, and its
 * next request is refused on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoServers } from './two-servers.js';
import type { RunningServer } from '../../backend/src/server.js';
import { login } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres, withRedis } from '../support/services.js';
import { api } from '../support/test-server.js';
import { connect, handshakeOutcome, until, type Client } from './helpers.js';

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));
const STRONG = 'Plum-Orbit-7391-Kestrel';

const dropped = (c: Client, what: string) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still connected`)), 10_000);
    c.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

const newKey = async (url: string, owner: string, scopes: string[]) => {
  const res = await api(url, 'POST', '/api/api-keys', { token: owner, body: { name: scopes.join('+'), scopes } });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; key: string };
};

describe.runIf(withPostgres)('API keys on sockets', () => {
  let gym: GymFixture;
  let area: { id: string };
  beforeAll(async () => {
    gym = await startGym();
    area = await gym.f.area(gym.demo, { booking_capacity: 5, slot_minutes: 60, price_per_hour: 10, capacity: 500 });
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).update({ opening_hours: JSON.stringify(ALL_DAY) }));
  });
  afterAll(async () => gym?.stop());

  const lastSeq = async () =>
    Number((await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').max({ m: 'seq' }).first()))?.m ?? 0);

  it('sends an occupancy:read key no booking event and no identity, live and replayed; bookings:read gets bookings with their member', async () => {
    const occupancy = await newKey(gym.url, gym.tokens.owner, ['occupancy:read']);
    const bookings = await newKey(gym.url, gym.tokens.owner, ['bookings:read']);
    const before = await lastSeq();
    const onlyOccupancy = await connect(gym.url, gym.demo, { token: occupancy.key });
    const withBookings = await connect(gym.url, gym.demo, { token: bookings.key });
    const staff = await connect(gym.url, gym.demo, { token: gym.tokens.owner });

    const booked = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: area.id, date: athensDate(2), time: '09:00', duration: 60 } });
    expect(booked.status).toBe(201);
    const programs = await gym.call('GET', '/api/programs', { token: gym.tokens.member2 });
    const started = await gym.call('POST', '/api/start-workout', { token: gym.tokens.member2, body: { program_id: programs.body.data[0].id, area_id: area.id } });
    expect(started.status).toBe(201);
    const types = (c: Client) => c.received.map((r) => r.type);
    await until('the staff socket to see the workout', () => types(staff).includes('workout:started'));
    await until('the occupancy key to see the check-in and the workout', () => types(onlyOccupancy).includes('occupancy') && types(onlyOccupancy).includes('workout:started'));
    await until('the bookings key to see the booking', () => types(withBookings).includes('booking:created'));

    // Events reach each socket in seq order: what came before the workout has arrived.
    expect(types(onlyOccupancy)).toEqual(expect.arrayContaining(['slots:changed', 'occupancy', 'workout:started']));
    expect(types(onlyOccupancy).filter((t) => t.startsWith('booking:'))).toEqual([]);
    const text = JSON.stringify(onlyOccupancy.received);
    expect(text).not.toContain(gym.users.member2);
    expect(text).not.toContain('user_id');
    const booking = withBookings.received.find((r) => r.type === 'booking:created')!.event;
    expect(booking.booking.user_id).toBe(gym.users.member2);
    // Scopes that do not cover an event leave it out: bookings:read gets no occupancy.
    expect(types(withBookings).filter((t) => t !== 'booking:created' && t !== 'booking:cancelled')).toEqual([]);

    // A replay from before follows the same scopes.
    const replayed = await connect(gym.url, gym.demo, { token: occupancy.key, since: before });
    await until('the replay to reach the workout', () => types(replayed).includes('workout:started'));
    expect(types(replayed).filter((t) => t.startsWith('booking:'))).toEqual([]);
    expect(JSON.stringify(replayed.received)).not.toContain('user_id');
    for (const c of [onlyOccupancy, withBookings, staff, replayed]) c.close();
  });

  it("refuses a key on another gym's namespace (forbidden) and a revoked one (unauthorized)", async () => {
    const { id, key } = await newKey(gym.url, gym.tokens.owner, ['occupancy:read']);
    expect(await handshakeOutcome(gym.url, gym.olympia, { token: key })).toBe('forbidden');
    const open = await connect(gym.url, gym.demo, { token: key });
    const gone = dropped(open, 'the revoked key socket');
    expect((await gym.call('DELETE', `/api/api-keys/${id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect(await handshakeOutcome(gym.url, gym.demo, { token: key })).toBe('unauthorized');
  });
});

describe.runIf(withPostgres && withRedis)('API keys across two servers sharing PostgreSQL and Redis', () => {
  const servers = twoServers();
  let a: RunningServer;
  let b: RunningServer;
  let demo: string;
  let ownerOnA: string;

  beforeAll(async () => {
    ({ a, b } = servers);
    const owner = await login(a.url, 'demo', 'owner', 'owner123');
    ownerOnA = owner.access_token;
    demo = owner.user.tenant_id!;
  });

  it('closes, on the other server, the socket of a key revoked here at once, and refuses its next request on both', async () => {
    const { id, key } = await newKey(a.url, ownerOnA, ['occupancy:read']);
    expect((await api(b.url, 'GET', '/api/gym-status', { token: key })).status).toBe(200);
    const onB = await connect(b.url, demo, { token: key });
    const gone = dropped(onB, 'the key socket on the other server');
    expect((await api(a.url, 'DELETE', `/api/api-keys/${id}`, { token: ownerOnA })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    for (const server of [a, b]) expect((await api(server.url, 'GET', '/api/gym-status', { token: key })).status).toBe(401);
    expect(await handshakeOutcome(b.url, demo, { token: key })).toBe('unauthorized');
  });

  it("closes, on the other server, a key's socket when its creator is demoted here", async () => {
    const coOwner = await factories(a.deps.db, a.deps.uow).user(demo, { role: 'owner', password: STRONG });
    const theirToken = (await login(a.url, 'demo', coOwner.username, STRONG)).access_token;
    const { key } = await newKey(a.url, theirToken, ['occupancy:read']);
    const onB = await connect(b.url, demo, { token: key });
    const gone = dropped(onB, "the demoted owner's key socket on the other server");
    expect((await api(a.url, 'PATCH', `/api/members/${coOwner.id}`, { token: ownerOnA, body: { role: 'trainer' } })).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect((await api(b.url, 'GET', '/api/gym-status', { token: key })).status).toBe(401);
  });
});
