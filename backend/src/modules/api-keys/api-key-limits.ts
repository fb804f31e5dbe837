/**
 * Each API key's own request budget (API_KEY_REQUESTS_PER_MINUTE), apart from people's: one busy
 * integration cannot crowd out another, and a leaked key cannot hammer the gym. Counted atomically per
 * key (a parallel burst cannot all pass a check made before the first is counted) with
 * rate-limiter-flexible, the library the login throttle uses: in Redis when configured (shared by
 * every worker and node, with an in-memory insurance during an outage), in memory otherwise.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { CoreDeps } from '../../deps.js';
import { tooManyRequests } from '../../http/errors.js';
import { RedisUnavailable, viaRedis } from '../auth/redis-guard.js';

export interface ApiKeyLimits {
  /** Counts one request of the key; throws 429 with Retry-After when its minute's budget is spent. */
  take(keyId: string): Promise<void>;
}

export function createApiKeyLimits(deps: Pick<CoreDeps, 'config' | 'redis'>): ApiKeyLimits {
  const points = deps.config.apiKeys.requestsPerMinute;
  const memory = new RateLimiterMemory({ keyPrefix: 'api-key', points, duration: 60 });
  const shared: RateLimiterAbstract = deps.redis
    ? new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: 'gym:api-key', points, duration: 60, insuranceLimiter: memory, rejectIfRedisNotReady: true })
    : memory;
  const consume = (keyId: string): Promise<RateLimiterRes> => {
    const redis = deps.redis;
    // A Redis that hangs must not hang the request: the in-memory insurance answers instead.
    if (!redis || redis.status !== 'ready') return memory.consume(keyId);
    return viaRedis(redis, () => shared.consume(keyId)).catch((err: unknown) => {
      if (err instanceof RedisUnavailable) return memory.consume(keyId);
      throw err;
    });
  };
  return {
    async take(keyId) {
      try {
        await consume(keyId);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw tooManyRequests(err.msBeforeNext / 1000);
        throw err;
      }
    },
  };
}
