/**
 * Occupancy: check-ins and check-outs are visits; current_users always equals the open visits and never
 * exceeds capacity, whatever mix of concurrent operations runs; stale visits close by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../backend/src/db/database.js';
import { startBackgroundJobs } from '../../backend/src/jobs.js';
import { expireStaleVisits } from '../../backend/src/modules/visits/visits.jobs.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('visits and occupancy', () => {
  let gym: GymFixture;
  let programId: string;
  const occupancy = (areaId: string) =>
    gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => {
      const area = await trx('gym_areas').where({ id: areaId }).first('current_users', 'capacity');
      const open = await trx('visits').where({ gym_area_id: areaId }).whereNull('checked_out_at').count({ n: '*' });
      return { current: area.current_users as number, capacity: area.capacity as number, open: Number(open[0]!.n) };
    });

  beforeAll(async () => {
    gym = await startGym();
    programId = (await gym.f.program(gym.demo)).id;
  });
  afterAll(async () => gym?.stop());

  it('checks a member in and out at the desk, with an occupancy event each time', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 3 });
    const me = await gym.person();
    const inRes = await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: me.id, area_id: area.id, source: 'kiosk' } });
    expect(inRes.status).toBe(201);
    expect(inRes.body.data.visit).toMatchObject({ user_id: me.id, area_id: area.id, source: 'kiosk', checked_out_at: null });
    expect(inRes.body.message).toBe('Checked in.');
    const lastOccupancy = () => gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').where({ type: 'occupancy' }).orderBy('id', 'desc').first('payload'));
    expect((await lastOccupancy()).payload).toEqual({ area_id: area.id, current_users: 1, capacity: 3 });
    const twice = await gym.call('POST', '/api/visits', { token: gym.tokens.owner, body: { user_id: me.id, area_id: area.id } });
    expect(twice.status).toBe(409);
    expect(twice.body.data.code).toBe('already_checked_in');
    const out = await gym.call('POST', `/api/visits/${inRes.body.data.visit.id}/check-out`, { token: gym.tokens.trainer });
    expect(out.status).toBe(200);
    expect(out.body.data.checked_out_at).toBeTruthy();
    expect(out.body.message).toBe('Checked out.');
    expect((await lastOccupancy()).payload).toEqual({ area_id: area.id, current_users: 0, capacity: 3 });
    const outAgain = await gym.call('POST', `/api/visits/${inRes.body.data.visit.id}/check-out`, { token: gym.tokens.trainer });
    expect(outAgain.status).toBe(409);
    expect(outAgain.body.data.code).toBe('not_checked_in');
    const byUser = await gym.call('POST', '/api/visits/check-out', { token: gym.tokens.trainer, body: { user_id: me.id } });
    expect(byUser.body.data.code).toBe('not_checked_in');
  });

  it('refuses members, displays and other gyms', async () => {
    const area = await gym.f.area(gym.demo);
    const body = { user_id: gym.users.member, area_id: area.id };
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.member, body })).status).toBe(403);
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.display, body })).status).toBe(403);
    expect((await gym.call('GET', '/api/visits', { token: gym.tokens.member })).status).toBe(403);
    const foreign = await gym.call('POST', '/api/visits', { token: gym.tokens.olympiaOwner, body });
    expect(foreign.status).toBe(404);
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { ...body, source: 'auto_expired' } })).status).toBe(400);
  });

  it('refuses a check-in into a full area with 409 area_full', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 1 });
    const [a, b] = [await gym.person(), await gym.person()];
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: a.id, area_id: area.id } })).status).toBe(201);
    const full = await gym.call('POST', '/api/visits?lang=el', { token: gym.tokens.trainer, body: { user_id: b.id, area_id: area.id } });
    expect(full.status).toBe(409);
    expect(full.body.data.code).toBe('area_full');
    expect(full.body.message).toBe('Ο χώρος είναι γεμάτος αυτή τη στιγμή.');
  });

  it('never lets concurrent check-ins exceed capacity', async () => {
    for (const capacity of [1, 5, 12]) {
      const area = await gym.f.area(gym.demo, { capacity });
      const people = await Promise.all(Array.from({ length: 40 }, () => gym.person()));
      const answers = await Promise.all(people.map((p) =>
        gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: p.id, area_id: area.id } })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(capacity);
      expect(answers.filter((a) => a.status === 409 && a.body.data.code === 'area_full')).toHaveLength(40 - capacity);
      expect(await occupancy(area.id)).toEqual({ current: capacity, capacity, open: capacity });
    }
  }, 120_000);

  it('keeps current_users equal to the open visits after a concurrent mix of every operation', async () => {
    const areas = [await gym.f.area(gym.demo, { capacity: 4 }), await gym.f.area(gym.demo, { capacity: 6 })];
    const people = await Promise.all(Array.from({ length: 24 }, () => gym.person()));
    let seed = 7;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let round = 0; round < 4; round++) {
      await Promise.all(people.map(async (p) => {
        const area = areas[random(2)]!;
        switch (random(4)) {
          case 0: return gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: p.id, area_id: area.id } });
          case 1: return gym.call('POST', '/api/visits/check-out', { token: gym.tokens.trainer, body: { user_id: p.id } });
          case 2: return gym.call('POST', '/api/start-workout', { token: p.token, body: { program_id: programId, area_id: area.id } });
          default: {
            const list = await gym.call('GET', '/api/workouts?status=active', { token: p.token });
            const active = list.body.data[0];
            return active && gym.call('POST', '/api/complete-workout', { token: p.token, body: { session_id: active.id } });
          }
        }
      }));
      for (const area of areas) {
        const o = await occupancy(area.id);
        expect(o.current).toBe(o.open);
        expect(o.current).toBeLessThanOrEqual(o.capacity);
      }
    }
    const status = await gym.call('GET', '/api/gym-status', { token: gym.tokens.display });
    for (const area of areas) {
      expect(status.body.data.areas.find((a: any) => a.id === area.id).current_users).toBe((await occupancy(area.id)).open);
    }
  }, 120_000);

  it('closes visits left open too long as auto_expired and says so in an occupancy event', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 5 });
    const [stale, fresh] = [await gym.person(), await gym.person()];
    const hoursAgo = new Date(Date.now() - (gym.server.config.visitMaxMinutes + 5) * 60_000);
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('visits').insert([
      { tenant_id: gym.demo, user_id: stale.id, gym_area_id: area.id, source: 'staff', checked_in_at: hoursAgo },
      { tenant_id: gym.demo, user_id: fresh.id, gym_area_id: area.id, source: 'staff' },
    ]));
    expect((await occupancy(area.id)).current).toBe(2);
    const result = await expireStaleVisits(gym.server.deps);
    expect(result.visits).toBeGreaterThanOrEqual(1);
    expect(await occupancy(area.id)).toMatchObject({ current: 1, open: 1 });
    const visits = await gym.call('GET', `/api/visits?area_id=${area.id}`, { token: gym.tokens.owner });
    expect(visits.body.data.find((v: any) => v.user_id === stale.id)).toMatchObject({ source: 'auto_expired' });
    expect(visits.body.data.find((v: any) => v.user_id === fresh.id)).toMatchObject({ checked_out_at: null });
    const event = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').where({ type: 'occupancy' }).orderBy('id', 'desc').first('payload'));
    expect(event.payload).toEqual({ area_id: area.id, current_users: 1, capacity: 5 });
    expect((await expireStaleVisits(gym.server.deps)).visits).toBe(0);
  });

  it('runs one expiry pass at a time across processes, and a failing gym holds up no other', async () => {
    const other = await gym.f.tenant();
    const area = await gym.f.area(other.id, { capacity: 5 });
    const member = await gym.f.user(other.id);
    const longAgo = new Date(Date.now() - (gym.server.config.visitMaxMinutes + 5) * 60_000);
    await gym.server.deps.uow.inTenant(other.id, ({ trx }) =>
      trx('visits').insert({ tenant_id: other.id, user_id: member.id, gym_area_id: area.id, source: 'staff', checked_in_at: longAgo }));
    const { deps } = gym.server;
    // The demo gym's pass fails, and every gym's pass is slow enough for a second process to meet the first.
    const uow = {
      ...deps.uow,
      inTenant: async <T>(tenantId: string, work: (scope: any) => Promise<T>): Promise<T> => {
        await new Promise((r) => setTimeout(r, 20));
        if (tenantId === gym.demo) throw new Error('this gym fails');
        return deps.uow.inTenant(tenantId, work);
      },
    };
    // A second server of the cluster: its own pool on the same database.
    const second = await openDatabase(gym.server.config.database, { migrate: false });
    try {
      const [first, meanwhile] = await Promise.all([
        expireStaleVisits({ ...deps, uow }),
        new Promise((r) => setTimeout(r, 5)).then(() => expireStaleVisits({ ...deps, db: second })),
      ]);
      expect(first).toMatchObject({ failed: 1 });
      expect(first.visits).toBeGreaterThanOrEqual(1);
      expect(meanwhile).toMatchObject({ skipped: true, visits: 0 });
      const open = await gym.server.deps.uow.inTenant(other.id, ({ trx }) => trx('visits').whereNull('checked_out_at').count({ n: '*' }));
      expect(Number(open[0]!.n)).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('runs the expiry in the background until stopped', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 5 });
    const stale = await gym.person();
    const longAgo = new Date(Date.now() - (gym.server.config.visitMaxMinutes + 1) * 60_000);
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) =>
      trx('visits').insert({ tenant_id: gym.demo, user_id: stale.id, gym_area_id: area.id, source: 'kiosk', checked_in_at: longAgo }));
    const jobs = startBackgroundJobs(gym.server.deps, 20);
    try {
      let open = 1;
      for (let i = 0; i < 500 && open > 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        open = (await occupancy(area.id)).open;
      }
      expect(open).toBe(0);
    } finally {
      await jobs.stop();
    }
    expect((await occupancy(area.id)).current).toBe(0);
  });

  it('lists visits to staff, filtered by open state and paged', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 10 });
    const people = await Promise.all(Array.from({ length: 3 }, () => gym.person()));
    for (const p of people) await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: p.id, area_id: area.id } });
    await gym.call('POST', '/api/visits/check-out', { token: gym.tokens.trainer, body: { user_id: people[0]!.id } });
    const open = await gym.call('GET', `/api/visits?area_id=${area.id}&open=true&limit=1`, { token: gym.tokens.trainer });
    expect(open.body.data).toHaveLength(1);
    expect(open.headers.get('link')).toMatch(/rel="next"/);
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Athens' });
    const yesterday = new Date(Date.now() - 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Athens' });
    expect((await gym.call('GET', `/api/visits?area_id=${area.id}&from=${today}&to=${today}`, { token: gym.tokens.trainer })).body.data).toHaveLength(3);
    expect((await gym.call('GET', `/api/visits?area_id=${area.id}&to=${yesterday}`, { token: gym.tokens.trainer })).body.data).toHaveLength(0);
    const all = await gym.call('GET', `/api/visits?area_id=${area.id}`, { token: gym.tokens.trainer });
    expect(all.body.data).toHaveLength(3);
    expect(all.body.data[0]).toHaveProperty('username');
    expect(JSON.stringify(all.body.data)).not.toMatch(/password/);
  });
});
