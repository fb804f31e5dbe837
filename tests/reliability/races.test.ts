/**
 * Races, fast part: 200 members at once for the last places of a slot, over two app instances on one
 * database (as two workers), several times; and fast-check sequences of book, cancel, check-in and
 * check-out, one by one against a model and in concurrent batches, with the invariants checked
 * after every step. The long part (races.long.test.ts) runs more of both against a real cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from '../support/services.js';
import { concurrentRuns, modelRuns, type ModelContext } from './support/booking-model.js';
import { SEED, report } from './support/figures.js';
import { raceForLastPlaces, type RaceContext } from './support/races.js';
import { startTwoServers, type TwoServers } from './support/two-servers.js';

describe.runIf(withPostgres)('races on two app instances', () => {
  let servers: TwoServers;
  let ctx: RaceContext & ModelContext;

  beforeAll(async () => {
    servers = await startTwoServers();
    const { gym } = servers;
    ctx = { uow: gym.server.deps.uow, jwt: gym.server.config.jwt, tenantId: gym.demo, staffToken: gym.tokens.owner, url: servers.url };
  });
  afterAll(async () => servers?.stop());

  it('gives the last places of a slot to exactly as many of 200 simultaneous members, every time', async () => {
    const runs = [
      { capacity: 10, free: 3 },
      { capacity: 5, free: 1 },
      { capacity: 20, free: 7 },
    ];
    let exact = 0;
    const other: string[] = [];
    for (const [i, r] of runs.entries()) {
      const result = await raceForLastPlaces(ctx, { contenders: 200, ...r, day: 30 + i });
      if (result.successes === r.free && result.confirmed === r.capacity && result.refused === 200 - r.free) exact++;
      other.push(...result.other);
    }
    report('last places race (fast)', { runs: runs.length, contenders: 200, runs_exact: exact, other_answers: other.length });
    expect(other).toEqual([]);
    expect(exact).toBe(runs.length);
  }, 60_000);

  it('answers random sequences of book, cancel, check-in and check-out as the model says, keeping every invariant', async () => {
    const figures = await modelRuns(ctx, { numRuns: 20, maxCommands: 30, seed: SEED });
    report('model-based sequences (fast)', { seed: SEED, runs: figures.runs, requests: figures.commands, invariant_violations: figures.violations.length });
    expect(figures.violations).toEqual([]);
  }, 60_000);

  it('keeps the database equal to the acknowledgements under concurrent batches', async () => {
    const figures = await concurrentRuns(ctx, { numRuns: 10, batches: 4, batchSize: 16, seed: SEED });
    report('concurrent batches (fast)', { seed: SEED, runs: figures.runs, requests: figures.commands, invariant_violations: figures.violations.length });
    expect(figures.violations).toEqual([]);
  }, 60_000);
});
