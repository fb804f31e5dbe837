/** GET /api/gym-status: live occupancy per area, for people and wall displays, never personal data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('the gym status', () => {
  let gym: GymFixture;
  beforeAll(async () => { gym = await startGym(); });
  afterAll(async () => gym?.stop());

  it('lists every area of the caller\'s gym with occupancy and totals', async () => {
    const res = await gym.call('GET', '/api/gym-status', { token: gym.tokens.member });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const { areas, totals } = res.body.data;
    expect(areas).toHaveLength(5);
    expect(Object.keys(areas[0]).sort()).toEqual(['capacity', 'current_users', 'id', 'is_bookable', 'name_el', 'name_en', 'occupancy_pct'].sort());
    expect(areas.some((a: any) => a.is_bookable === false)).toBe(true);
    expect(totals.capacity).toBe(areas.reduce((n: number, a: any) => n + a.capacity, 0));
  });

  it('moves with check-ins and reports the percentage', async () => {
    const weights = (await gym.areas()).find((a) => a.name_en === 'Weight Room')!;
    const checkIn = await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: gym.users.member2, area_id: weights.id } });
    expect(checkIn.status).toBe(201);
    const res = await gym.call('GET', '/api/gym-status', { token: gym.tokens.owner });
    const area = res.body.data.areas.find((a: any) => a.id === weights.id);
    expect(area.current_users).toBe(1);
    expect(area.occupancy_pct).toBe(2.5);
    expect(res.body.data.totals.current_users).toBe(1);
  });

  it('is readable by a display token', async () => {
    const res = await gym.call('GET', '/api/gym-status', { token: gym.tokens.display });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.data)).not.toMatch(/user_id|username/);
  });

  it("shows another gym's caller only that gym", async () => {
    const ours = (await gym.areas()).map((a) => a.id);
    const res = await gym.call('GET', '/api/gym-status', { token: gym.tokens.olympiaOwner });
    expect(res.status).toBe(200);
    expect(res.body.data.areas.some((a: any) => ours.includes(a.id))).toBe(false);
  });

  it('charts the day: people per area every interval, from the visits, counts only', async () => {
    const area = await gym.f.area(gym.demo, { capacity: 9 });
    const [a, b] = [await gym.person(), await gym.person()];
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('visits').insert([
      { tenant_id: gym.demo, user_id: a.id, gym_area_id: area.id, source: 'staff', checked_in_at: minutesAgo(50), checked_out_at: minutesAgo(20) },
      { tenant_id: gym.demo, user_id: b.id, gym_area_id: area.id, source: 'staff', checked_in_at: minutesAgo(35) },
    ]));
    const res = await gym.call('GET', `/api/occupancy/history?area_id=${area.id}&interval=5`, { token: gym.tokens.display });
    expect(res.status).toBe(200);
    const series = res.body.data.areas;
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ area_id: area.id, capacity: 9 });
    const at = (m: number) => series[0].points.filter((p: any) => Math.abs(Date.parse(p.at) - minutesAgo(m).getTime()) < 150_000).map((p: any) => p.current_users);
    const points = series[0].points;
    expect(points.at(-1).current_users).toBe(1);
    if (points.length > 12) {
      expect(at(40)).toEqual([1]);
      expect(at(30)).toEqual([2]);
    }
    expect(points.every((p: any) => /^\d\d:\d\d$/.test(p.time))).toBe(true);
    expect(JSON.stringify(res.body.data)).not.toMatch(/user_id|username/);
    const tomorrow = await gym.call('GET', `/api/occupancy/history?date=${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}`, { token: gym.tokens.owner });
    expect(tomorrow.body.data.areas.every((x: any) => x.points.length === 0)).toBe(true);
    expect((await gym.call('GET', '/api/occupancy/history?interval=1', { token: gym.tokens.owner })).status).toBe(400);
  });

  it('refuses anonymous callers with 401 in the caller\'s language', async () => {
    const res = await gym.call('GET', '/api/gym-status', { headers: { 'accept-language': 'el' } });
    expect(res.status).toBe(401);
    expect(res.body.data.code).toBe('unauthorized');
    expect(res.body.message).toBe('Παρακαλώ συνδεθείτε.');
  });
});
