/** Idempotency-Key on creating POSTs: a retry replays the first answer and creates nothing new. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('idempotent creation', () => {
  let gym: GymFixture;
  let area: { id: string };
  const day = athensDate(5);
  const count = (userId: string) =>
    gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('bookings').where({ user_id: userId }).count({ n: '*' }).then((r) => Number(r[0]!.n)));

  beforeAll(async () => {
    gym = await startGym();
    area = await gym.f.area(gym.demo, { booking_capacity: 50, slot_minutes: 60, capacity: 100 });
  });
  afterAll(async () => gym?.stop());

  it('answers a retried booking with the first answer and books once', async () => {
    const me = await gym.person();
    const request = { token: me.token, body: { room_id: area.id, date: day, time: '10:00' }, headers: { 'idempotency-key': 'book-1' } };
    const first = await gym.call('POST', '/api/book-room', request);
    const retry = await gym.call('POST', '/api/book-room', request);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data).toEqual(first.body.data);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await count(me.id)).toBe(1);
  });

  it('books once when the same request races itself', async () => {
    const me = await gym.person();
    const request = { token: me.token, body: { room_id: area.id, date: day, time: '11:00' }, headers: { 'idempotency-key': 'race-1' } };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gym.call('POST', '/api/book-room', request)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.data.booking.id)).size).toBe(1);
    expect(await count(me.id)).toBe(1);
  });

  it('refuses the same key with a different request (422 idempotency_conflict)', async () => {
    const me = await gym.person();
    const headers = { 'idempotency-key': 'changed-1' };
    expect((await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: day, time: '12:00' }, headers })).status).toBe(201);
    const changed = await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: day, time: '13:00' }, headers });
    expect(changed.status).toBe(422);
    expect(changed.body.data.code).toBe('idempotency_conflict');
    expect(await count(me.id)).toBe(1);
  });

  it('keeps keys apart per user and really retries after a refused first attempt', async () => {
    const a = await gym.person();
    const b = await gym.person();
    const headers = { 'idempotency-key': 'shared' };
    expect((await gym.call('POST', '/api/book-room', { token: a.token, body: { room_id: area.id, date: day, time: '14:00' }, headers })).status).toBe(201);
    expect((await gym.call('POST', '/api/book-room', { token: b.token, body: { room_id: area.id, date: day, time: '14:00' }, headers })).status).toBe(201);
    const refused = await gym.call('POST', '/api/book-room', { token: b.token, body: { room_id: area.id, date: day, time: '14:00', price: 999 }, headers: { 'idempotency-key': 'retry-me' } });
    expect(refused.status).toBe(422);
    const keys = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('idempotency_keys').where({ key: 'retry-me' }).count({ n: '*' }));
    expect(Number(keys[0]!.n)).toBe(0);
  });

  it('refuses a malformed key with 400', async () => {
    const me = await gym.person();
    const res = await gym.call('POST', '/api/book-room', { token: me.token, body: { room_id: area.id, date: day, time: '15:00' }, headers: { 'idempotency-key': 'x'.repeat(256) } });
    expect(res.status).toBe(400);
    expect(await count(me.id)).toBe(0);
  });

  it('replays a check-in and a started workout too', async () => {
    const me = await gym.person();
    const visit = { token: gym.tokens.trainer, body: { user_id: me.id, area_id: area.id }, headers: { 'idempotency-key': `visit-${me.id}` } };
    const v1 = await gym.call('POST', '/api/visits', visit);
    const v2 = await gym.call('POST', '/api/visits', visit);
    expect([v1.status, v2.status]).toEqual([201, 201]);
    expect(v2.body.data.visit.id).toBe(v1.body.data.visit.id);
    const [program] = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('workout_programs').select('id').limit(1));
    const start = { token: me.token, body: { program_id: program.id }, headers: { 'idempotency-key': 'w1' } };
    const s1 = await gym.call('POST', '/api/start-workout', start);
    const s2 = await gym.call('POST', '/api/start-workout', start);
    expect([s1.status, s2.status]).toEqual([201, 201]);
    expect(s2.body.data.session.id).toBe(s1.body.data.session.id);
  });
});
