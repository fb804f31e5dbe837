/** /api/areas: everyone of the gym reads, the owner manages, the plan limits, changes are announced. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('areas', () => {
  let gym: GymFixture;
  const lastEvent = () => gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('events').orderBy('id', 'desc').first('type', 'payload'));
  const body = { name_en: 'Boxing Ring', name_el: 'Ρινγκ', capacity: 6, booking_capacity: 2, slot_minutes: 90, price_per_hour: 20.5,
    opening_hours: { mon: { open: '07:00', close: '22:00' }, sat: { open: '09:00', close: '24:00' }, sun: null } };

  beforeAll(async () => { gym = await startGym(); });
  afterAll(async () => gym?.stop());

  it('creates, reads, changes and deletes an area, announcing each change', async () => {
    const created = await gym.call('POST', '/api/areas', { token: gym.tokens.owner, body });
    expect(created.status).toBe(201);
    const area = created.body.data.area;
    expect(area).toMatchObject({ ...body, current_users: 0, occupancy_pct: 0, is_bookable: true, currency: 'EUR' });
    const stored = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).first('price_per_hour_cents'));
    expect(stored).toEqual({ price_per_hour_cents: 2050 });
    expect(await lastEvent()).toEqual({ type: 'areas:changed', payload: { area_id: area.id, change: 'created' } });

    const read = await gym.call('GET', `/api/areas/${area.id}`, { token: gym.tokens.display });
    expect(read.body.data).toEqual(area);

    const changed = await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.owner, body: { capacity: 8, opening_hours: null } });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ capacity: 8, opening_hours: null });
    expect(await lastEvent()).toEqual({ type: 'areas:changed', payload: { area_id: area.id, change: 'updated' } });

    const deleted = await gym.call('DELETE', `/api/areas/${area.id}`, { token: gym.tokens.owner });
    expect(deleted.status).toBe(200);
    expect(await lastEvent()).toEqual({ type: 'areas:changed', payload: { area_id: area.id, change: 'deleted' } });
    expect((await gym.call('GET', `/api/areas/${area.id}`, { token: gym.tokens.owner })).status).toBe(404);
  });

  it('lists areas by name to every role of the gym, paged', async () => {
    const first = await gym.call('GET', '/api/areas?limit=3', { token: gym.tokens.member });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(3);
    const names = first.body.data.map((a: any) => a.name_en);
    expect(names).toEqual([...names].sort());
    const next = first.headers.get('link')!.match(/<([^>]+)>/)![1]!;
    const second = await gym.call('GET', next, { token: gym.tokens.member });
    expect(second.body.data.length).toBeGreaterThan(0);
    expect(second.body.data.every((a: any) => a.name_en >= names.at(-1))).toBe(true);
    const bookable = await gym.call('GET', '/api/areas?bookable=false', { token: gym.tokens.trainer });
    expect(bookable.body.data.map((a: any) => a.name_en)).toEqual(['Cardio Zone']);
  });

  it('lets only the owner manage areas', async () => {
    const area = (await gym.areas())[0]!;
    for (const token of [gym.tokens.trainer, gym.tokens.member, gym.tokens.display]) {
      expect((await gym.call('POST', '/api/areas', { token, body })).status).toBe(403);
      expect((await gym.call('PATCH', `/api/areas/${area.id}`, { token, body: { capacity: 3 } })).status).toBe(403);
      expect((await gym.call('DELETE', `/api/areas/${area.id}`, { token })).status).toBe(403);
    }
    expect((await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.olympiaOwner, body: { capacity: 3 } })).status).toBe(404);
    expect((await gym.call('DELETE', `/api/areas/${area.id}`, { token: gym.tokens.olympiaOwner })).status).toBe(404);
  });

  it("answers prices as decimals with the gym's currency, kept in cents", async () => {
    const area = (await gym.call('POST', '/api/areas', { token: gym.tokens.owner, body: { ...body, name_en: 'Priced' } })).body.data.area;
    const changed = await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.owner, body: { price_per_hour: 1.15 } });
    // 1.15 * 100 is 114.99999999999999 in floating point; the cents are 115 all the same.
    expect(changed.body.data).toMatchObject({ price_per_hour: 1.15, currency: 'EUR' });
    const stored = await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).first('price_per_hour_cents'));
    expect(stored).toEqual({ price_per_hour_cents: 115 });
    await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { currency: 'USD' } } });
    try {
      const read = await gym.call('GET', `/api/areas/${area.id}`, { token: gym.tokens.member });
      expect(read.body.data).toMatchObject({ price_per_hour: 1.15, currency: 'USD' });
      const listed = await gym.call('GET', '/api/areas?limit=100', { token: gym.tokens.member });
      expect(new Set(listed.body.data.map((a: any) => a.currency))).toEqual(new Set(['USD']));
    } finally {
      await gym.call('PATCH', '/api/tenant', { token: gym.tokens.owner, body: { settings: { currency: 'EUR' } } });
    }
    await gym.call('DELETE', `/api/areas/${area.id}`, { token: gym.tokens.owner });
  });

  it('refuses invalid areas with 400', async () => {
    const bad = [
      { ...body, capacity: 0 }, { ...body, name_en: '' }, { ...body, slot_minutes: 1 }, { ...body, price_per_hour: -1 },
      { ...body, price_per_hour: 1.234 }, { ...body, price_per_hour: 0.1 + 0.2 }, { ...body, price_per_hour: 100_000_000 },
      { ...body, opening_hours: { mon: { open: '22:00', close: '07:00' } } },
      { ...body, opening_hours: { funday: { open: '07:00', close: '08:00' } } }, { ...body, extra: true },
    ];
    for (const b of bad) {
      const res = await gym.call('POST', '/api/areas', { token: gym.tokens.owner, body: b });
      expect(res.status, JSON.stringify(b)).toBe(400);
    }
    const area = (await gym.areas())[0]!;
    expect((await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.owner, body: {} })).status).toBe(400);
  });

  it('refuses a capacity below the people inside, and deleting an area with people or bookings ahead', async () => {
    const area = (await gym.call('POST', '/api/areas', { token: gym.tokens.owner, body: { ...body, name_en: 'Busy' } })).body.data.area;
    const people = [await gym.person(), await gym.person()];
    for (const p of people) await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: p.id, area_id: area.id } });
    const shrink = await gym.call('PATCH', `/api/areas/${area.id}`, { token: gym.tokens.owner, body: { capacity: 1 } });
    expect(shrink.status).toBe(409);
    const occupied = await gym.call('DELETE', `/api/areas/${area.id}`, { token: gym.tokens.owner });
    expect(occupied.status).toBe(409);
    expect((await gym.call('GET', `/api/areas/${area.id}`, { token: gym.tokens.owner })).status).toBe(200);
  });

  it('stops at the plan limit with 403 plan_limit_reached', async () => {
    const t = await gym.f.tenant({ subscription_plan: 'trial' });
    const owner = await gym.f.user(t.id, { role: 'owner' });
    const { login } = await import('../support/auth.js');
    const { access_token } = await login(gym.url, t.subdomain, owner.username, owner.password);
    for (let i = 0; i < 5; i++) {
      expect((await gym.call('POST', '/api/areas', { token: access_token, body: { ...body, name_en: `Area ${i}` } })).status).toBe(201);
    }
    const over = await gym.call('POST', '/api/areas', { token: access_token, body: { ...body, name_en: 'One too many' } });
    expect(over.status).toBe(403);
    expect(over.body.data.code).toBe('plan_limit_reached');
  });
});
