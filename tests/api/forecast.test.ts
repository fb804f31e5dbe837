/**
 * Busy hours through the API: a gym's weekly pattern comes back as its forecast, DST days have their
 * real hours, an area without history answers an empty forecast, and neither the measuring job nor a
 * forecast ever sees another gym's visits.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureAreaHours } from '../../backend/src/modules/forecast/forecast.jobs.js';
import { signAccessToken } from '../../backend/src/modules/auth/tokens.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

const ZONE = 'Europe/Athens';

describe.runIf(withPostgres)('busy-hours forecast', () => {
  let gym: GymFixture;
  const gyms: Record<'a' | 'b', { id: string; area: string; token: string }> = {} as never;

  /** `people` visits of one hour at `hour` local time, on each of the last `days` days. */
  async function history(tenantId: string, areaId: string, pattern: Record<number, number>, days = 21) {
    const people = await Promise.all(Array.from({ length: Math.max(...Object.values(pattern)) }, () => gym.f.user(tenantId)));
    const today = DateTime.now().setZone(ZONE).startOf('day');
    const rows: Array<Record<string, unknown>> = [];
    for (let d = 1; d <= days; d++) {
      for (const [hour, n] of Object.entries(pattern)) {
        const start = today.minus({ days: d }).set({ hour: Number(hour) });
        for (let i = 0; i < n; i++) {
          rows.push({ tenant_id: tenantId, user_id: people[i]!.id, gym_area_id: areaId, source: 'kiosk', checked_in_at: start.toJSDate(), checked_out_at: start.plus({ hours: 1 }).toJSDate() });
        }
      }
    }
    await gym.server.deps.uow.inTenant(tenantId, ({ trx }) => trx('visits').insert(rows));
  }

  async function measureAll() {
    for (let i = 0; i < 20; i++) {
      const r = await measureAreaHours(gym.server.deps);
      if (!r.skipped && r.hours === 0) return;
    }
    throw new Error('measuring did not finish');
  }

  const forecast = (who: { token: string }, areaId: string, date: string) =>
    gym.call('GET', `/api/areas/${areaId}/forecast?date=${date}`, { token: who.token });

  beforeAll(async () => {
    gym = await startGym();
    for (const key of ['a', 'b'] as const) {
      const tenant = await gym.f.tenant();
      const area = await gym.f.area(tenant.id, { capacity: 30 });
      const member = await gym.f.user(tenant.id);
      const { token } = signAccessToken(gym.server.config.jwt, { sub: member.id, tid: tenant.id, role: 'member', usr: member.username, loc: 'en', fam: randomUUID() });
      gyms[key] = { id: tenant.id, area: area.id, token };
    }
    // Gym a: a morning and a bigger evening peak; gym b: only a crowded noon.
    await history(gyms.a.id, gyms.a.area, { 10: 4, 18: 10 });
    await history(gyms.b.id, gyms.b.area, { 12: 8 });
    await measureAll();
  });
  afterAll(async () => gym?.stop());

  it("recovers the gym's weekly pattern, and names the quietest hours", async () => {
    const date = DateTime.now().setZone(ZONE).plus({ days: 2 }).toISODate()!;
    const res = await forecast(gyms.a, gyms.a.area, date);
    expect(res.status).toBe(200);
    const { hours, quietest } = res.body.data as { hours: Array<{ hour: string; expected: number; low: number; high: number; open: boolean }>; quietest: Array<{ start: string; end: string }> };
    expect(hours).toHaveLength(24);
    const at = (label: string) => hours.find((h) => h.hour === label)!;
    expect(at('18:00').expected).toBeCloseTo(10, 0);
    expect(at('10:00').expected).toBeCloseTo(4, 0);
    expect(at('14:00').expected).toBe(0);
    expect(at('18:00').low).toBeLessThanOrEqual(10);
    expect(at('18:00').high).toBeGreaterThanOrEqual(10);
    expect(quietest).toHaveLength(1);
    expect(['10:00', '17:00', '18:00']).not.toContain(quietest[0]!.start);
  });

  it('gives a spring-forward day its 23 real hours', async () => {
    const res = await forecast(gyms.a, gyms.a.area, '2027-03-28');
    expect(res.status).toBe(200);
    const hours = res.body.data.hours as Array<{ hour: string; expected: number }>;
    expect(hours).toHaveLength(23);
    expect(hours.map((h) => h.hour)).not.toContain('03:00');
    expect(hours.find((h) => h.hour === '18:00')!.expected).toBeCloseTo(10, 0);
  });

  it('answers an empty forecast for an area without history, and the whole gym at once', async () => {
    const fresh = await gym.f.area(gyms.a.id);
    const res = await forecast(gyms.a, fresh.id, DateTime.now().setZone(ZONE).toISODate()!);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ area_id: fresh.id, hours: [], quietest: [] });
    const all = await gym.call('GET', '/api/forecast', { token: gyms.a.token });
    expect(all.status).toBe(200);
    expect((all.body.data as Array<{ area_id: string }>).map((f) => f.area_id).sort()).toEqual([gyms.a.area, fresh.id].sort());
  });

  it("never shows or uses another gym's visits", async () => {
    const date = DateTime.now().setZone(ZONE).plus({ days: 3 }).toISODate()!;
    expect((await forecast(gyms.a, gyms.b.area, date)).status).toBe(404);
    const a = (await forecast(gyms.a, gyms.a.area, date)).body.data.hours as Array<{ hour: string; expected: number }>;
    const b = (await forecast(gyms.b, gyms.b.area, date)).body.data.hours as Array<{ hour: string; expected: number }>;
    expect(a.find((h) => h.hour === '12:00')!.expected).toBe(0);
    expect(b.find((h) => h.hour === '12:00')!.expected).toBeCloseTo(8, 0);
    expect(b.find((h) => h.hour === '18:00')!.expected).toBe(0);
    // What the job stored for gym b names only gym b's areas, in gym b's own scope.
    const stored = await gym.server.deps.uow.inTenant(gyms.b.id, ({ trx }) => trx('area_hours').distinct('gym_area_id'));
    expect(stored.map((r: { gym_area_id: string }) => r.gym_area_id)).toEqual([gyms.b.area]);
  });

  it('refuses a malformed date with a clear 400', async () => {
    const res = await forecast(gyms.a, gyms.a.area, '2026-02-30');
    expect(res.status).toBe(400);
    expect(res.body.data.code).toBe('invalid_input');
  });
});
