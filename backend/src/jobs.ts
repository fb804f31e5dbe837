/**
 * The background passes every server process starts: each runs on its own cadence (most once a
 * minute, the waitlist's holds every few seconds so offers expire on time), by one process of the
 * cluster at a time (each pass takes its own advisory lock), and one failing pass never stops the others.
 */
import type { AppDeps } from './deps.js';
import { measureAreaHours } from './modules/forecast/forecast.jobs.js';
import { expireStaleVisits } from './modules/visits/visits.jobs.js';
import { expireWaitlistHolds } from './modules/waitlist/waitlist.jobs.js';
import { pruneWebhookLog } from './modules/webhooks/webhooks.jobs.js';

type Deps = Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>;

export interface BackgroundJobs {
  stop(): Promise<void>;
}

interface Pass {
  name: string;
  run: (deps: Deps) => Promise<object>;
}

const MINUTELY: readonly Pass[] = [
  { name: 'visit expiry', run: (deps) => expireStaleVisits(deps) },
  { name: 'area hours', run: (deps) => measureAreaHours(deps) },
  { name: 'webhook log', run: (deps) => pruneWebhookLog(deps) },
];
const FREQUENT: readonly Pass[] = [{ name: 'waitlist holds', run: (deps) => expireWaitlistHolds(deps) }];

/** Starts the passes, the first round at once; `stop` waits for running rounds to finish. */
export function startBackgroundJobs(deps: Deps, intervalMs = 60_000, frequentMs = Math.min(intervalMs, 2_000)): BackgroundJobs {
  const loops = [loop(deps, MINUTELY, intervalMs), loop(deps, FREQUENT, frequentMs)];
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}

function loop(deps: Deps, passes: readonly Pass[], intervalMs: number): BackgroundJobs {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const round = async () => {
    for (const pass of passes) {
      if (stopped) return;
      try {
        const result = await pass.run(deps);
        if (Object.entries(result).some(([k, v]) => k !== 'skipped' && typeof v === 'number' && v > 0)) deps.log.info(result, pass.name);
      } catch (err) {
        deps.log.warn({ err }, `${pass.name} failed`);
      }
    }
  };
  const tick = () => {
    if (running || stopped) return;
    running = round().finally(() => { running = null; });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
