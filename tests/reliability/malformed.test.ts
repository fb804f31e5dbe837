/**
 * Malformed input, fast part: a few hundred generated hostile requests over every operation of the
 * OpenAPI document, and malformed socket traffic. Figures: 5xx answers (must be 0) and crashes (must
 * be 0: every request answered, the server healthy and serving sockets afterwards). The long part
 * (malformed.long.test.ts) sends tens of thousands against a cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';
import { SEED, report } from './support/figures.js';
import { generatorFor } from './support/generator-context.js';
import { runHostile } from './support/malformed.js';
import { raw } from './support/raw-http.js';
import { socketGarbage } from './support/socket-garbage.js';
import { listen, until } from './support/sockets.js';

const COUNT = Number(process.env.RELIABILITY_MALFORMED_FAST ?? 600);

describe.runIf(withPostgres)('malformed input', () => {
  let gym: GymFixture;

  beforeAll(async () => {
    gym = await startGym();
  });
  afterAll(async () => gym?.stop());

  it(`answers ${COUNT} generated hostile requests without a 5xx or a dropped connection`, async () => {
    const g = await generatorFor(gym);
    const figures = await runHostile(gym.url, g, { seed: SEED, count: COUNT, concurrency: 8 });
    const health = await raw(gym.url, { method: 'GET', path: '/healthz' });
    report('malformed HTTP (fast)', {
      seed: SEED, requests: figures.requests, '5xx': figures.serverErrors.length, dropped: figures.dropped.length,
      ...Object.fromEntries(Object.entries(figures.byStatus).map(([k, v]) => [`answers_${k}`, v])),
    });
    expect(figures.serverErrors).toEqual([]);
    expect(figures.dropped).toEqual([]);
    expect(health.status).toBe(200);
  }, 80_000);

  it('survives malformed socket payloads and keeps serving events to a well-behaved client', async () => {
    const figures = await socketGarbage(gym.url, gym.demo, gym.tokens.owner, { rounds: 4, seed: SEED });
    // A fresh member: the hostile requests before may have deactivated the demo ones.
    const client = await listen(gym.url, gym.demo, { token: (await gym.person('member')).token });
    const booked = await raw(gym.url, { method: 'POST', path: '/api/areas', headers: { authorization: `Bearer ${gym.tokens.owner}` }, json: { name_en: 'After garbage', name_el: 'Μετά', capacity: 3 } });
    expect(booked.status).toBe(201);
    await until('the well-behaved client to get the event', () => client.events.some((e) => e.type === 'areas:changed'));
    client.close();
    report('malformed sockets (fast)', { seed: SEED, payloads: figures.payloads, '5xx': figures.serverErrors.length, bad_resume_accepted: figures.acceptedBadResume.length, crashes: 0 });
    expect(figures.serverErrors).toEqual([]);
    expect(figures.acceptedBadResume).toEqual([]);
  }, 60_000);
});
