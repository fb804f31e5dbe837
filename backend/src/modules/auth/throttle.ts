/**
 * Login throttling: failed attempts are counted per account and per client address within the
 * login's tenant (a password-spraying address is stopped per gym, and one gym's members behind one
 * Wi-Fi address never lock out another gym's) over a window of
 * LOGIN_BLOCK_SECONDS. Once an account has LOGIN_MAX_FAILURES failures in a row (a success resets it),
 * further attempts answer 429 with Retry-After without even checking the password. Counters live in
 * Redis when configured (shared by every worker), with an in-memory limiter as insurance during an
 * outage; in memory otherwise (embedded mode is one process).
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps.js';
import { tooManyRequests } from '../../http/errors.js';
import { RedisUnavailable, viaRedis } from './redis-guard.js';

/** Addresses get more room than accounts: several people may share one (a gym's Wi-Fi). */
const ADDRESS_FACTOR = 10;

export interface LoginThrottle {
  /** Throws 429 when the account or the address is over its limit. `address` is scoped by the caller to the tenant. */
  check(account: string, address: string): Promise<void>;
  failed(account: string, address: string): Promise<void>;
  succeeded(account: string): Promise<void>;
}

interface Limiter {
  /** Redis-backed when configured (with `memory` as its insurance), else `memory` itself. */
  primary: RateLimiterAbstract;
  memory: RateLimiterMemory;
}

function limiter(deps: AppDeps, prefix: string, points: number): Limiter {
  const duration = deps.config.loginThrottle.blockSeconds;
  const memory = new RateLimiterMemory({ keyPrefix: prefix, points, duration });
  if (!deps.redis) return { primary: memory, memory };
  const primary = new RateLimiterRedis({
    storeClient: deps.redis, keyPrefix: `gym:${prefix}`, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true,
  });
  return { primary, memory };
}

const throttles = new WeakMap<AppDeps, LoginThrottle>();

export function loginThrottle(deps: AppDeps): LoginThrottle {
  const existing = throttles.get(deps);
  if (existing) return existing;
  const max = deps.config.loginThrottle.maxFailures;
  const accounts = limiter(deps, 'login-account', max);
  const addresses = limiter(deps, 'login-address', max * ADDRESS_FACTOR);
  // rate-limiter-flexible skips a Redis that is not ready for get and penalty, but not for delete;
  // and a ready Redis may still hang. Either way the in-memory insurance answers instead.
  const redisReady = () => deps.redis?.status === 'ready';
  const run = <T>(l: Limiter, work: (r: RateLimiterAbstract) => Promise<T>): Promise<T> => {
    if (!redisReady()) return work(l.memory);
    return viaRedis(deps.redis!, () => work(l.primary)).catch((err) => (err instanceof RedisUnavailable ? work(l.memory) : Promise.reject(err)));
  };
  const over = async (l: Limiter, key: string, points: number) => {
    const res = (await run(l, (r) => r.get(key)).catch(() => null)) as RateLimiterRes | null;
    return res && res.consumedPoints >= points ? res.msBeforeNext : null;
  };
  const throttle: LoginThrottle = {
    async check(account, address) {
      const wait = (await over(accounts, account, max)) ?? (await over(addresses, address, max * ADDRESS_FACTOR));
      if (wait !== null) throw tooManyRequests(Math.max(1, Math.ceil(wait / 1000)));
    },
    async failed(account, address) {
      // A rejection only means the limit is now reached; the next attempt is refused by check().
      await Promise.all([
        run(accounts, (r) => r.penalty(account, 1)).catch(() => undefined),
        run(addresses, (r) => r.penalty(address, 1)).catch(() => undefined),
      ]);
    },
    async succeeded(account) {
      await run(accounts, (r) => r.delete(account)).catch(() => undefined);
    },
  };
  throttles.set(deps, throttle);
  return throttle;
}
