/** A smoke run of the gym domain on the embedded PGlite database: the same flows as on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireStaleVisits } from '../../backend/src/modules/visits/visits.jobs.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';

describe('the gym domain on PGlite', () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym({ driver: 'pglite' }); });
  afterAll(async () => gym?.stop());

  it('shows status and slots, books idempotently, refuses a full slot, lists and cancels', async () => {
    expect((await gym.call('GET', '/api/gym-status', { token: gym.tokens.display })).body.data.areas).toHaveLength(5);
    const squash = (await gym.areas()).find((a) => a.name_en === 'Squash Court')!;
    const day = athensDate(2);
    const slots = await gym.call('GET', `/api/available-slots/${squash.id}?date=${day}`, { token: gym.tokens.member });
    expect(slots.body.data.slots.find((s: any) => s.start === '10:00')).toMatchObject({ remaining: 1, available: true });
    const request = { token: gym.tokens.member, body: { room_id: squash.id, date: day, time: '10:00', duration: 30, price: 8 }, headers: { 'idempotency-key': 'pglite-1' } };
    const answers = await Promise.all([gym.call('POST', '/api/book-room', request), gym.call('POST', '/api/book-room', request)]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers[1]!.body.data.booking.id).toBe(answers[0]!.body.data.booking.id);
    const taken = await gym.call('POST', '/api/book-room', { token: gym.tokens.member2, body: { room_id: squash.id, date: day, time: '10:00', duration: 30 } });
    expect(taken.status).toBe(409);
    const mine = await gym.call('GET', '/api/user-bookings', { token: gym.tokens.member });
    expect(mine.body.data.some((b: any) => b.id === answers[0]!.body.data.booking.id)).toBe(true);
    const cancelled = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.member, body: { booking_id: answers[0]!.body.data.booking.id } });
    expect(cancelled.body.data.status).toBe('cancelled');
  });

  it('checks in and out through workouts and the desk, keeping the counter equal to the open visits', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 2 });
    const program = (await gym.call('GET', '/api/programs', { token: gym.tokens.member })).body.data[0];
    const started = await gym.call('POST', '/api/start-workout', { token: gym.tokens.member, body: { program_id: program.id, area_id: area.id } });
    expect(started.status).toBe(201);
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: gym.users.member2, area_id: area.id } })).status).toBe(201);
    const full = await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: gym.users.owner, area_id: area.id } });
    expect(full.body.data.code).toBe('area_full');
    const done = await gym.call('POST', '/api/complete-workout', { token: gym.tokens.member, body: { session_id: started.body.data.session.id } });
    expect(done.body.data.status).toBe('completed');
    expect((await gym.call('GET', '/api/user-stats', { token: gym.tokens.member })).body.data.workouts_completed).toBe(1);
    await expireStaleVisits(gym.server.deps);
    const state = await gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => ({
      current: (await trx('gym_areas').where({ id: area.id }).first()).current_users,
      open: Number((await trx('visits').where({ gym_area_id: area.id }).whereNull('checked_out_at').count({ n: '*' }))[0]!.n),
    }));
    expect(state).toEqual({ current: 1, open: 1 });
  });

  it('manages areas, programs and members', async () => {
    const area = await gym.call('POST', '/api/areas', { token: gym.tokens.owner, body: { name_en: 'Sauna', name_el: 'Σάουνα', capacity: 8, is_bookable: false } });
    expect(area.status).toBe(201);
    expect((await gym.call('GET', '/api/areas', { token: gym.tokens.member })).body.data.some((a: any) => a.name_en === 'Sauna')).toBe(true);
    expect((await gym.call('POST', '/api/programs', { token: gym.tokens.trainer, body: { name_en: 'Stretch', name_el: 'Διατάσεις', difficulty: 'beginner', est_minutes: 15, kcal_per_hour: 150 } })).status).toBe(201);
    expect((await gym.call('POST', '/api/members', { token: gym.tokens.owner, body: { username: 'pglite-member', password: 'Copper-Violet-Otter-42' } })).status).toBe(201);
    expect((await gym.call('GET', '/api/members?q=pglite', { token: gym.tokens.trainer })).body.data).toHaveLength(1);
  });
});
