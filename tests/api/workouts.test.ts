/** Workouts: starting checks in, completing checks out and keeps the member's stats and streak right. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('workouts', () => {
  let gym: GymFixture;
  let programId: string;
  const inTenant = <T = any>(fn: (trx: any) => Promise<T>): Promise<any> => gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => fn(trx));

  beforeAll(async () => {
    gym = await startGym();
    programId = (await gym.f.program(gym.demo)).id; // 400 kcal per hour
  });
  afterAll(async () => gym?.stop());

  it('starts a session in an area, checking the member in and recording workout:started', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 5 });
    const me = await gym.person();
    const res = await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId, area_id: area.id } });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Workout started.');
    const session = res.body.data.session;
    expect(session).toMatchObject({ user_id: me.id, program_id: programId, area_id: area.id, status: 'active', end_time: null });
    const visit = await inTenant((trx) => trx('visits').where({ user_id: me.id }).whereNull('checked_out_at').first());
    expect(visit).toMatchObject({ gym_area_id: area.id, source: 'workout' });
    const log = await inTenant((trx) => trx('events').orderBy('id', 'desc').limit(2).select('type', 'payload'));
    expect(log[0]).toEqual({ type: 'workout:started', payload: { area_id: area.id, session_id: session.id } });
    expect(log[1]).toEqual({ type: 'occupancy', payload: { area_id: area.id, current_users: 1, capacity: 5 } });
    const again = await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId } });
    expect(again.status).toBe(409);
    expect(again.body.data.code).toBe('workout_active');
  });

  it('refuses a full area with 409 area_full and starts nothing', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 1 });
    const [a, b] = [await gym.person(), await gym.person()];
    expect((await gym.call('POST', '/api/start-workout', { token: a.token, body: { program_id: programId, area_id: area.id } })).status).toBe(201);
    const full = await gym.call('POST', '/api/start-workout', { token: b.token, body: { program_id: programId, area_id: area.id } });
    expect(full.status).toBe(409);
    expect(full.body.data.code).toBe('area_full');
    expect(await inTenant((trx) => trx('workout_sessions').where({ user_id: b.id }).first())).toBeUndefined();
  });

  it('completes a session: computes calories from the program, checks out and adds to the stats', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 5 });
    const me = await gym.person();
    const started = await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId, area_id: area.id } });
    const id = started.body.data.session.id;
    await inTenant((trx) => trx('workout_sessions').where({ id }).update({ start_time: new Date(Date.now() - 30 * 60_000) }));
    const done = await gym.call('POST', '/api/complete-workout', { token: me.token, body: { session_id: id } });
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({ id, status: 'completed', duration_minutes: 30, calories: 200 });
    expect(await inTenant((trx) => trx('visits').where({ user_id: me.id }).whereNull('checked_out_at').first())).toBeUndefined();
    expect((await inTenant((trx) => trx('gym_areas').where({ id: area.id }).first())).current_users).toBe(0);
    const stats = await gym.call('GET', '/api/user-stats', { token: me.token });
    expect(stats.body.data).toEqual({ workouts_completed: 1, total_minutes: 30, total_calories: 200, current_streak: 1, last_workout_date: athensDate(0) });
    const twice = await gym.call('POST', '/api/complete-workout', { token: me.token, body: { session_id: id } });
    expect(twice.status).toBe(409);
  });

  it('takes the given calories, and extends the streak on consecutive days and restarts it after a gap', async () => {
    const me = await gym.person();
    const run = async (calories?: number) => {
      const s = await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId } });
      return gym.call('POST', '/api/complete-workout', { token: me.token, body: { session_id: s.body.data.session.id, ...(calories === undefined ? {} : { calories }) } });
    };
    expect((await run(321)).body.data.calories).toBe(321);
    await inTenant((trx) => trx('users').where({ id: me.id }).update({ last_workout_date: athensDate(-1), current_streak: 3 }));
    await run();
    expect((await gym.call('GET', '/api/user-stats', { token: me.token })).body.data.current_streak).toBe(4);
    await run();
    expect((await gym.call('GET', '/api/user-stats', { token: me.token })).body.data.current_streak).toBe(4);
    await inTenant((trx) => trx('users').where({ id: me.id }).update({ last_workout_date: athensDate(-3) }));
    expect((await gym.call('GET', '/api/user-stats', { token: me.token })).body.data.current_streak).toBe(0);
    await run();
    const stats = (await gym.call('GET', '/api/user-stats', { token: me.token })).body.data;
    expect(stats).toMatchObject({ workouts_completed: 4, current_streak: 1 });
    expect(stats.total_calories).toBeGreaterThanOrEqual(321);
  });

  it("hides another member's session as 404 but lets staff complete it", async () => {
    const [a, b] = [await gym.person(), await gym.person()];
    const s = await gym.call('POST', '/api/start-workout', { token: a.token, body: { program_id: programId } });
    const id = s.body.data.session.id;
    expect((await gym.call('POST', '/api/complete-workout', { token: b.token, body: { session_id: id } })).status).toBe(404);
    expect((await gym.call('POST', '/api/complete-workout', { token: gym.tokens.olympiaOwner, body: { session_id: id } })).status).toBe(404);
    expect((await gym.call('POST', '/api/complete-workout', { token: gym.tokens.trainer, body: { session_id: id } })).status).toBe(200);
  });

  it('refuses unknown programs and areas, bad bodies and displays', async () => {
    const me = await gym.person();
    expect((await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: gym.users.member } })).status).toBe(404);
    const foreignProgram = await gym.server.deps.uow.inTenant(gym.olympia, ({ trx }) => trx('workout_programs').first('id'));
    expect((await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: foreignProgram.id } })).status).toBe(404);
    expect((await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId, area_id: gym.users.member } })).status).toBe(404);
    expect((await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: 'nope' } })).status).toBe(400);
    expect((await gym.call('POST', '/api/complete-workout', { token: me.token, body: { session_id: programId, calories: -5 } })).status).toBe(400);
    expect((await gym.call('POST', '/api/start-workout', { token: gym.tokens.display, body: { program_id: programId } })).status).toBe(403);
  });

  it("lists the caller's sessions and lets staff read a member's", async () => {
    const me = await gym.person();
    const s = await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: programId } });
    const mine = await gym.call('GET', '/api/workouts', { token: me.token });
    expect(mine.body.data.map((w: any) => w.id)).toEqual([s.body.data.session.id]);
    expect((await gym.call('GET', `/api/workouts?user_id=${me.id}`, { token: gym.tokens.trainer })).body.data).toHaveLength(1);
    expect((await gym.call('GET', `/api/workouts?user_id=${me.id}`, { token: gym.tokens.member })).status).toBe(403);
  });
});
