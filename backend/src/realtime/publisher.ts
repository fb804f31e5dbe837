/**
 * Numbers and publishes committed events. Services never see `io`: they record events in their unit of
 * work, which tells the publisher after commit that the tenant has new events. The publisher then has
 * them numbered (one run per tenant at a time; commits that land meanwhile are numbered together by the
 * next run) and emits them. Marking them published in the log happens in batches, off every request's
 * path. Events whose numbering or emit is lost (the process dies after commit) stay unpublished, and
 * the sweeper numbers and emits them later.
 */
import type { StoredEvent } from '../contracts/events.js';
import type { EventSink } from '../db/unit-of-work.js';
import type { Logger } from '../logger.js';

/** Where the publisher sends events: the running real-time layer. */
export interface PublisherOutlet {
  /** Numbers the tenant's committed, unnumbered events and returns them in seq order. */
  sequence(tenantId: string): Promise<StoredEvent[]>;
  /** Delivers to this server's sockets and to the other servers of the cluster. */
  emit(events: StoredEvent[]): void;
  /** Everything of the tenant up to `upTo` has been emitted (or precedes an emitted event). */
  markPublished(tenantId: string, upTo: number): Promise<void>;
}

export interface Publisher extends EventSink {
  attach(outlet: PublisherOutlet): void;
  detach(): void;
  /** Emits numbered events again (the sweeper) and marks them published. */
  publish(events: StoredEvent[]): void;
  /** Waits for the numbering in progress, then writes the pending published marks (tests, shutdown). */
  flush(): Promise<void>;
  /** Hears of every batch of numbered events published (the webhook dispatcher wakes on it). */
  onPublished(listener: (events: StoredEvent[]) => void): void;
}

export function createPublisher(options: { log?: Logger; markDelayMs?: number } = {}): Publisher {
  const markDelayMs = options.markDelayMs ?? 250;
  let outlet: PublisherOutlet | null = null;
  /** Per tenant, the highest seq emitted since the last marks were written. */
  let pending = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  /** Numbering runs in progress, per tenant, and tenants that committed again meanwhile. */
  const numbering = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const listeners: Array<(events: StoredEvent[]) => void> = [];

  const writeMarks = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = new Map();
    const target = outlet;
    if (!target || batch.size === 0) return flushing;
    flushing = flushing.then(async () => {
      for (const [tenantId, upTo] of batch) {
        try {
          await target.markPublished(tenantId, upTo);
        } catch (err) {
          // Left unpublished: the sweeper emits them again, and receivers drop what they already have.
          options.log?.warn({ err: (err as Error).message, tenantId }, 'could not mark events published');
        }
      }
    });
    return flushing;
  };

  const publish = (events: StoredEvent[]): void => {
    if (!outlet || events.length === 0) return;
    for (const listener of listeners) listener(events);
    try {
      outlet.emit(events);
    } catch (err) {
      options.log?.error({ err }, 'emitting events failed; the sweeper will retry');
      return;
    }
    for (const e of events) pending.set(e.tenant_id, Math.max(pending.get(e.tenant_id) ?? 0, e.seq));
    if (!timer) {
      timer = setTimeout(() => void writeMarks(), markDelayMs);
      timer.unref();
    }
  };

  const number = async (target: PublisherOutlet, tenantId: string): Promise<void> => {
    do {
      again.delete(tenantId);
      try {
        publish(await target.sequence(tenantId));
      } catch (err) {
        // Still unnumbered in the log: the next commit of the tenant or the sweeper numbers them.
        options.log?.warn({ err: (err as Error).message, tenantId }, 'could not number committed events');
        return;
      }
    } while (again.has(tenantId) && outlet === target);
  };

  return {
    attach(next) {
      outlet = next;
    },
    detach() {
      outlet = null;
      pending = new Map();
      again.clear();
      if (timer) clearTimeout(timer);
      timer = null;
    },
    committed(tenantId) {
      if (!outlet) return;
      if (numbering.has(tenantId)) {
        again.add(tenantId);
        return;
      }
      const run = number(outlet, tenantId).finally(() => numbering.delete(tenantId));
      numbering.set(tenantId, run);
    },
    publish,
    onPublished(listener) {
      listeners.push(listener);
    },
    async flush() {
      while (numbering.size) await Promise.all(numbering.values());
      await writeMarks();
    },
  };
}
