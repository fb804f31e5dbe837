/**
 * The Redis adapter that carries events between the servers of a cluster. Sharded pub/sub (Redis 7+,
 * SSUBSCRIBE) by default: the classic adapter PSUBSCRIBEs one pattern per namespace, and Redis matches
 * every published message against every pattern of every server, so its cost grows with the number of
 * tenants: with 5,000 tenant namespaces on two servers it carried 433 events/s at 200 µs of Redis CPU
 * each, the sharded one 67,521/s at 2.8 µs (tests/bench/adapter.bench.ts). Static subscription mode:
 * events cross servers by serverSideEmit on the namespace's channel, so per-room channels would only
 * cost subscriptions. Its own two connections: a subscriber cannot run
 * other commands, and publishing must fail fast while Redis is away instead of queueing.
 */
import { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Logger } from '../logger.js';

export interface RedisBus {
  adapter: ReturnType<typeof createAdapter>;
  pub: Redis;
  sub: Redis;
  /** Called (once per recovery) when Redis answers again after an outage. */
  onRecovered(listener: () => void): void;
  /** Called once when the connection to Redis is lost (events no longer cross servers until it is back). */
  onLost(listener: () => void): void;
  close(): Promise<void>;
}

export async function createRedisBus(url: string, options: { sharded: boolean; log: Logger }): Promise<RedisBus> {
  const { log } = options;
  // Publishing while Redis is away fails at once (the log in Postgres is the recovery path), while
  // subscriptions wait in the queue and ioredis renews them on reconnect.
  const pub = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'gymflow-io-pub' });
  const sub = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'gymflow-io-sub' });
  // The classic adapter adds an error listener per namespace: one per tenant with sockets here.
  pub.setMaxListeners(0);
  sub.setMaxListeners(0);
  if (!options.sharded) {
    // The classic adapter does not catch its publish promise; an outage must not become an unhandled rejection.
    const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
    (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) =>
      publish(...args).catch((err: unknown) => {
        log.debug({ err }, 'redis publish failed');
        return 0;
      });
  }

  const listeners: Array<() => void> = [];
  const lostListeners: Array<() => void> = [];
  let lost = false;
  /** Set once the bus has started: a close while connecting the first time is not a loss. */
  let ready = false;
  let lastError = 0;
  for (const client of [pub, sub]) {
    let down = false;
    client.on('error', (err: Error) => {
      // One line per few seconds, not one per reconnect attempt.
      if (Date.now() - lastError > 5000) log.warn({ err: err.message }, 'redis (socket adapter) error');
      lastError = Date.now();
    });
    client.on('close', () => {
      down = true;
      if (!lost && ready) {
        lost = true;
        lostListeners.forEach((l) => l());
      }
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      lost = false;
      log.info('redis (socket adapter) is back: re-reading the event log');
      // Give ioredis a moment to renew the subscriptions before the log is re-read.
      setTimeout(() => listeners.forEach((l) => l()), 200).unref();
    });
  }
  await Promise.race([
    Promise.all([once(pub, 'ready'), once(sub, 'ready')]),
    new Promise((resolve) => setTimeout(resolve, 3000).unref()),
  ]);
  ready = true;
  if (pub.status !== 'ready') log.warn('redis is not reachable: events reach this server\'s sockets only until it is');

  const adapter = options.sharded
    ? (createShardedAdapter(pub, sub, { subscriptionMode: 'static' }) as unknown as ReturnType<typeof createAdapter>)
    : createAdapter(pub, sub, { requestsTimeout: 3000 });
  return {
    adapter,
    pub,
    sub,
    onRecovered: (l) => listeners.push(l),
    onLost: (l) => lostListeners.push(l),
    close() {
      pub.disconnect();
      sub.disconnect();
      return Promise.resolve();
    },
  };
}

function once(client: Redis, event: string): Promise<void> {
  return new Promise((resolve) => {
    if (client.status === event) resolve();
    else client.once(event, () => resolve());
  });
}
