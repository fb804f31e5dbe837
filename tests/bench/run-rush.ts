/**
 * The class-release rush step of `npm run bench` (kept apart from run.ts so that each suite's wiring
 * merges on its own): the pg-alone race first, then the product's rush with its screens connected.
 */
import type { ClientFleet } from './lib/client-fleet.js';
import { progress, step } from './lib/progress.js';
import { rushPgBaseline, type RushPgBaseline } from './suites/rush-baseline-pg.js';
import { classRush, waitlistJoins, type RushResult } from './suites/rush.js';
import type { Product } from './suites/product.js';

/** The class and its bookers, as startProduct adds them to the demo gym. */
export const RUSH_PLAN = (quick: boolean) => ({ capacity: 20, members: quick ? 200 : 2000 });
const SCREENS = (quick: boolean) => (quick ? 1000 : 10_000);
/** The Book presses are spread over this window. */
const SPREAD_MS = 1000;
const TIME = '10:00';

export interface RushResults {
  product: RushResult;
  pg: RushPgBaseline;
}

export async function runRush(
  product: Product,
  fleet: ClientFleet,
  options: { quick: boolean; date: string; poolSize: number; sourceAddresses: (n: number) => string[] },
): Promise<RushResults> {
  const plan = RUSH_PLAN(options.quick);
  step(`baseline: the class rush through pg alone (${plan.members.toLocaleString('en-US')} attempts, ${plan.capacity} places)`);
  const pg = await rushPgBaseline({ ...plan, poolSize: options.poolSize, spreadMs: SPREAD_MS, date: options.date, time: TIME });
  step(`product: class rush (${plan.members.toLocaleString('en-US')} members, ${plan.capacity} places, ${SCREENS(options.quick).toLocaleString('en-US')} screens)`);
  let rush: Awaited<ReturnType<typeof classRush>>;
  try {
    rush = await classRush(product, fleet, { screens: SCREENS(options.quick), date: options.date, time: TIME, spreadMs: SPREAD_MS, sourceAddresses: options.sourceAddresses });
  } finally {
    await fleet.closeAll();
  }
  // Each join tells every screen that the queue changed; with the screens gone this times the joins alone.
  progress(`rush: ${rush.refusedTokens.length.toLocaleString('en-US')} refused members join the waitlist`);
  rush.result.waitlist = await waitlistJoins(product, rush.refusedTokens, { date: options.date, time: TIME, spreadMs: SPREAD_MS });
  return { product: rush.result, pg };
}
