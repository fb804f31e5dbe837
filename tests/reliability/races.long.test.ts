/**
 * Races, long part, against a real cluster (a primary and two workers on PostgreSQL and Redis): the
 * race of 200 members for the last places of a slot, many times with different capacities, and longer
 * fast-check runs of book, cancel, check-in and check-out, sequential against the model and in
 * concurrent batches. Figures: runs where successes equal the free places (must be all) and
 * invariant violations (must be 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres, withRedis } from '../support/services.js';
import { concurrentRuns, modelRuns, type ModelContext } from './support/booking-model.js';
import { SEED, report, rng } from './support/figures.js';
import { scaled, startLongFixture, type LongFixture } from './support/long-fixture.js';
import { raceForLastPlaces } from './support/races.js';

describe.runIf(withPostgres && withRedis)('races against a cluster', () => {
  let fx: LongFixture;
  let ctx: ModelContext;

  beforeAll(async () => {
    fx = await startLongFixture();
    ctx = { uow: fx.uow, jwt: fx.jwt, tenantId: fx.demo, staffToken: fx.ownerToken, url: () => fx.cluster.url };
  });
  afterAll(async () => fx?.stop());

  it('gives the last places to exactly as many of 200 simultaneous members in every run', async () => {
    const runs = scaled(12, 2);
    const r = rng(SEED);
    let exact = 0;
    const other: string[] = [];
    for (let i = 0; i < runs; i++) {
      const capacity = 1 + Math.floor(r() * 30);
      const free = 1 + Math.floor(r() * Math.min(capacity, 8));
      const result = await raceForLastPlaces(ctx, { contenders: 200, capacity, free, day: 100 + i });
      if (result.successes === free && result.confirmed === capacity && result.refused === 200 - free) exact++;
      other.push(...result.other);
    }
    report('last places race (cluster)', { seed: SEED, runs, contenders: 200, runs_exact: exact, other_answers: other.length });
    expect(other).toEqual([]);
    expect(exact).toBe(runs);
  });

  it('keeps every invariant through long random sequences, sequential and concurrent', async () => {
    const seq = await modelRuns(ctx, { numRuns: scaled(100, 5), maxCommands: 40, seed: SEED });
    const conc = await concurrentRuns(ctx, { numRuns: scaled(60, 3), batches: 6, batchSize: 24, seed: SEED });
    report('property-based sequences (cluster)', {
      seed: SEED, model_runs: seq.runs, model_requests: seq.commands, concurrent_runs: conc.runs, concurrent_requests: conc.commands,
      invariant_violations: seq.violations.length + conc.violations.length,
    });
    expect(seq.violations).toEqual([]);
    expect(conc.violations).toEqual([]);
  });
});
