/** /api/programs: members read programs, staff manage them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('workout programs', () => {
  let gym: GymFixture;
  const body = {
    name_en: 'Core Crusher', name_el: 'Κορμός', difficulty: 'intermediate', est_minutes: 25, kcal_per_hour: 480,
    exercises: [{ name_en: 'Plank', name_el: 'Σανίδα', sets: 3, seconds: 45 }, { name_en: 'Crunches', name_el: 'Κοιλιακοί', sets: 3, reps: 20 }],
  };
  beforeAll(async () => { gym = await startGym(); });
  afterAll(async () => gym?.stop());

  it('lets members list and read the programs, in name order', async () => {
    const list = await gym.call('GET', '/api/programs', { token: gym.tokens.member });
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThanOrEqual(3);
    const names = list.body.data.map((p: any) => p.name_en);
    expect(names).toEqual([...names].sort());
    expect(list.body.data[0].exercises.length).toBeGreaterThan(0);
    const one = await gym.call('GET', `/api/programs/${list.body.data[0].id}`, { token: gym.tokens.member });
    expect(one.body.data).toEqual(list.body.data[0]);
    const hard = await gym.call('GET', '/api/programs?difficulty=advanced', { token: gym.tokens.member });
    expect(hard.body.data.every((p: any) => p.difficulty === 'advanced')).toBe(true);
    expect((await gym.call('GET', '/api/programs', { token: gym.tokens.display })).status).toBe(403);
  });

  it('lets a trainer create, change and delete a program', async () => {
    const created = await gym.call('POST', '/api/programs', { token: gym.tokens.trainer, body });
    expect(created.status).toBe(201);
    const p = created.body.data.program;
    expect(p).toMatchObject(body);
    const changed = await gym.call('PATCH', `/api/programs/${p.id}`, { token: gym.tokens.trainer, body: { kcal_per_hour: 500, exercises: [] } });
    expect(changed.body.data).toMatchObject({ kcal_per_hour: 500, exercises: [] });
    expect((await gym.call('DELETE', `/api/programs/${p.id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('GET', `/api/programs/${p.id}`, { token: gym.tokens.owner })).status).toBe(404);
  });

  it('refuses members, other gyms and invalid programs', async () => {
    expect((await gym.call('POST', '/api/programs', { token: gym.tokens.member, body })).status).toBe(403);
    const ours = (await gym.call('GET', '/api/programs', { token: gym.tokens.member })).body.data[0].id;
    expect((await gym.call('PATCH', `/api/programs/${ours}`, { token: gym.tokens.olympiaOwner, body: { est_minutes: 5 } })).status).toBe(404);
    expect((await gym.call('GET', `/api/programs/${ours}`, { token: gym.tokens.olympiaMember })).status).toBe(404);
    for (const bad of [
      { ...body, difficulty: 'extreme' }, { ...body, est_minutes: 0 },
      { ...body, exercises: [{ name_en: 'x', name_el: 'x', sets: 1 }] },
      { ...body, exercises: [{ name_en: 'x', name_el: 'x', sets: 1, reps: 5, seconds: 5 }] },
    ]) {
      expect((await gym.call('POST', '/api/programs', { token: gym.tokens.owner, body: bad })).status).toBe(400);
    }
  });

  it('keeps a program that has workout history (409)', async () => {
    const p = (await gym.call('POST', '/api/programs', { token: gym.tokens.owner, body })).body.data.program;
    const me = await gym.person();
    expect((await gym.call('POST', '/api/start-workout', { token: me.token, body: { program_id: p.id } })).status).toBe(201);
    expect((await gym.call('DELETE', `/api/programs/${p.id}`, { token: gym.tokens.owner })).status).toBe(409);
  });
});
