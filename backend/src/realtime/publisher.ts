/**
 * Hands committed events to the real-time layer. Services never see `io`: they record events in their
 * unit of work, which calls `publish` after commit. Emitting is synchronous and never throws into the
 * caller; marking the events published in the log happens in batches, off the request's path. An event
 * whose emit is lost (the process dies between commit and emit) stays unpublished and the sweeper
 * emits it later.
 */
import type { StoredEvent } from '../contracts/events.js';
import type { EventSink } from '../db/unit-of-work.js';
import type { Logger } from '../logger.js';

/** Where the publisher sends events: the running real-time layer. */
export interface PublisherOutlet {
  /** Delivers to this server's sockets and to the other servers of the cluster. */
  emit(events: StoredEvent[]): void;
  markPublished(tenantId: string, seqs: number[]): Promise<void>;
}

export interface Publisher extends EventSink {
  attach(outlet: PublisherOutlet): void;
  detach(): void;
  /** Writes the pending published marks now (tests, shutdown). */
  flush(): Promise<void>;
}

export function createPublisher(options: { log?: Logger; markDelayMs?: number } = {}): Publisher {
  const markDelayMs = options.markDelayMs ?? 250;
  let outlet: PublisherOutlet | null = null;
  let pending = new Map<string, number[]>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = new Map();
    const target = outlet;
    if (!target || batch.size === 0) return flushing;
    flushing = flushing.then(async () => {
      for (const [tenantId, seqs] of batch) {
        try {
          await target.markPublished(tenantId, seqs);
        } catch (err) {
          // Left unpublished: the sweeper emits them again, and receivers drop what they already have.
          options.log?.warn({ err: (err as Error).message, tenantId }, 'could not mark events published');
        }
      }
    });
    return flushing;
  };

  return {
    attach(next) {
      outlet = next;
    },
    detach() {
      outlet = null;
      pending = new Map();
      if (timer) clearTimeout(timer);
      timer = null;
    },
    publish(events) {
      if (!outlet || events.length === 0) return;
      try {
        outlet.emit(events);
      } catch (err) {
        options.log?.error({ err }, 'emitting events failed; the sweeper will retry');
        return;
      }
      for (const e of events) {
        const list = pending.get(e.tenant_id) ?? [];
        list.push(e.seq);
        pending.set(e.tenant_id, list);
      }
      if (!timer) {
        timer = setTimeout(() => void flush(), markDelayMs);
        timer.unref();
      }
    },
    flush,
  };
}
