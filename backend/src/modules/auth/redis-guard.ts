/**
 * Auth must not hang on Redis. ioredis queues commands while it reconnects, so during an outage a
 * plain call waits for the retries to run out (tens of seconds). Auth asks only a Redis that is ready
 * and gives each call a short deadline; a failure lets the caller fall back (database, in-memory
 * insurance) or answer 503.
 */
import type { Redis } from 'ioredis';

const DEADLINE_MS = 1_000;

export class RedisUnavailable extends Error {
  constructor() {
    super('redis unavailable');
  }
}

export async function viaRedis<T>(redis: Redis, work: (r: Redis) => Promise<T>): Promise<T> {
  if (redis.status !== 'ready') throw new RedisUnavailable();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(redis),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisUnavailable()), DEADLINE_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
