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

  it('refuses anonymous callers with 401 in the caller\'s language', async () => {
    const res = await gym.call('GET', '/api/gym-status', { headers: { 'accept-language': 'el' } });
    expect(res.status).toBe(401);
    expect(res.body.data.code).toBe('unauthorized');
    expect(res.body.message).toBe('Παρακαλώ συνδεθείτε.');
  });
});
