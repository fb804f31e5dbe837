/**
 * The background passes every server process starts: each runs once a minute, by one process of the
 * cluster at a time (each pass takes its own advisory lock), and one failing pass never stops the others.
 */
import type { AppDeps } from './deps.js';
import { measureAreaHours } from './modules/forecast/forecast.jobs.js';
import { expireStaleVisits } from './modules/visits/visits.jobs.js';
import { pruneWebhookLog } from './modules/webhooks/webhooks.jobs.js';

type Deps = Pick<AppDeps, 'db' | 'uow' | 'config' | 'log'>;

export interface BackgroundJobs {
  stop(): Promise<void>;
}

const PASSES: ReadonlyArray<{ name: string; run: (deps: Deps) => Promise<object> }> = [
  { name: 'visit expiry', run: (deps) => expireStaleVisits(deps) },
  { name: 'area hours', run: (deps) => measureAreaHours(deps) },
  { name: 'webhook log', run: (deps) => pruneWebhookLog(deps) },
];

/** Starts the passes, the first at once; `stop` waits for a running round to finish. */
export function startBackgroundJobs(deps: Deps, intervalMs = 60_000): BackgroundJobs {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const round = async () => {
    for (const pass of PASSES) {
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
