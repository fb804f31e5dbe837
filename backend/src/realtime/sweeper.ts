/**
 * Numbers and emits events whose numbering or emit was lost: committed, but the process died (or the
 * database or the emit failed) before the publisher numbered or sent them. Every server runs the loop;
 * a transaction-level advisory lock lets one sweep at a time. Receivers drop events they already have,
 * so a late or repeated sweep is harmless.
 */
import type { StoredEvent } from '../contracts/events.js';
import type { Logger } from '../logger.js';
import type { EventStore } from './event-store.js';
import { sweeperReemits } from '../metrics/index.js';

export interface Sweeper {
  /** Runs one sweep now (tests); resolves with the number of events emitted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export function startSweeper(options: {
  store: EventStore;
  log: Logger;
  intervalMs: number;
  ageMs: number;
  /** Emits and marks them published (so the next page moves on). */
  emit(events: StoredEvent[]): Promise<void>;
  /** Has the tenants' unnumbered events numbered and emitted. */
  number(tenantIds: string[]): Promise<void>;
}): Sweeper {
  const { store, log } = options;
  let running: Promise<number> | null = null;
  let stopped = false;

  const sweep = (): Promise<number> => {
    if (running) return running;
    running = (async () => {
      let total = 0;
      try {
        for (let page = 0; page < 20 && !stopped; page++) {
          const { events, unnumbered } = await store.stale(options.ageMs, 500);
          if (unnumbered.length) await options.number(unnumbered);
          if (events.length === 0) break;
          await options.emit(events);
          total += events.length;
          if (events.length < 500) break;
        }
        if (total) {
          sweeperReemits.inc(total);
          log.info({ count: total }, 'sweeper emitted events whose emit was lost');
        }
      } catch (err) {
        if (!stopped) log.warn({ err: (err as Error).message }, 'sweeping unpublished events failed');
      }
      return total;
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => void sweep(), options.intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
