/**
 * Login throttling. Every attempt is counted atomically *before* its password is checked (consume
 * first, give back on success), so a burst of parallel attempts cannot all pass a check made before
 * the first failure is written. Counted within the login's tenant, over LOGIN_BLOCK_SECONDS:
 *   - per account and address: LOGIN_MAX_FAILURES, strict (one address guessing one password);
 *   - per address: ten times that, across accounts (password spraying from one address);
 *   - per account alone: ten times that again, then each further attempt waits a growing delay
 *     (1 s, 2 s, 4 s … at most MAX_DELAY_SECONDS). Guessing from one address never locks the owner
 *     out from another, and a botnet is slowed to a guess a minute without a lockout either.
 * A refused attempt gives back what it took, so only attempts whose password was checked count.
 * Counters live in Redis when configured (shared by every worker), with an in-memory limiter as
 * insurance during an outage; in memory otherwise (embedded mode is one process).
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps.js';
import { tooManyRequests } from '../../http/errors.js';
import { RedisUnavailable, viaRedis } from './redis-guard.js';

/** Addresses get more room than one account from one address: several people may share one (a gym's Wi-Fi). */
const ADDRESS_FACTOR = 10;
/** An account alone gets more room than an address: its owner must not be kept out from elsewhere. */
const ACCOUNT_FACTOR = 100;
const MAX_DELAY_SECONDS = 60;

/** An attempt that was let through to the password check. */
export interface Admission {
  /** The password was right: the attempt is given back. */
  succeeded(): Promise<void>;
}

export interface LoginThrottle {
  /**
   * Counts an attempt for `account` from `address` (both scoped by the caller to the tenant);
   * throws 429 with Retry-After, counting nothing, when a limit is reached.
   */
  admit(account: string, address: string): Promise<Admission>;
}

interface Limiter {
  /** Redis-backed when configured (with `memory` as its insurance), else `memory` itself. */
  primary: RateLimiterAbstract;
  memory: RateLimiterMemory;
}

type ThrottleDeps = Pick<AppDeps, 'config' | 'redis'>;

function limiter(deps: ThrottleDeps, prefix: string, points: number, duration: number): Limiter {
  const memory = new RateLimiterMemory({ keyPrefix: prefix, points, duration });
  if (!deps.redis) return { primary: memory, memory };
  const primary = new RateLimiterRedis({
    storeClient: deps.redis, keyPrefix: `gym:${prefix}`, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true,
  });
  return { primary, memory };
}

type Taken = { ok: true; res: RateLimiterRes } | { ok: false; res: RateLimiterRes };

/** The login throttle of a process (AppDeps.loginThrottle): one set of limiters, whatever serves the login. */
export function createLoginThrottle(deps: ThrottleDeps): LoginThrottle {
  const { maxFailures: max, blockSeconds: window } = deps.config.loginThrottle;
  const pairs = limiter(deps, 'login-pair', max, window);
  const addresses = limiter(deps, 'login-address', max * ADDRESS_FACTOR, window);
  const accounts = limiter(deps, 'login-account', max * ACCOUNT_FACTOR, window);
  const gates = limiter(deps, 'login-account-gate', 1, MAX_DELAY_SECONDS);

  // rate-limiter-flexible skips a Redis that is not ready for consume, but not for delete; and a
  // ready Redis may still hang. Either way the in-memory insurance answers instead.
  const run = <T>(l: Limiter, work: (r: RateLimiterAbstract) => Promise<T>): Promise<T> => {
    if (deps.redis?.status !== 'ready') return work(l.memory);
    return viaRedis(deps.redis, () => work(l.primary)).catch((err: unknown) => {
      if (err instanceof RedisUnavailable) return work(l.memory);
      throw err;
    });
  };
  const take = (l: Limiter, key: string, options?: { customDuration: number }): Promise<Taken> =>
    run(l, (r) => r.consume(key, 1, options)).then(
      (res) => ({ ok: true as const, res }),
      (err: unknown) => {
        // rate-limiter-flexible rejects with the limiter's answer when the key is over its limit.
        if (err instanceof RateLimiterRes) return { ok: false as const, res: err };
        throw err;
      },
    );
  const giveBack = (taken: Array<[Limiter, string]>) =>
    Promise.all(taken.map(([l, key]) => run(l, (r) => r.reward(key, 1)).catch(() => undefined)));

  return {
    async admit(account, address) {
      const pairKey = `${account}|${address}`;
      const taken: Array<[Limiter, string]> = [];
      const refuse = async (res: RateLimiterRes): Promise<never> => {
        await giveBack(taken);
        throw tooManyRequests(res.msBeforeNext / 1000);
      };
      for (const [l, key] of [[pairs, pairKey], [addresses, address]] as const) {
        const t = await take(l, key);
        if (!t.ok) return refuse(t.res);
        taken.push([l, key]);
      }
      const a = await take(accounts, account);
      taken.push([accounts, account]);
      if (!a.ok) {
        // Past the account's ceiling: one attempt per delay, the delay doubling with every attempt.
        const over = a.res.consumedPoints - max * ACCOUNT_FACTOR;
        const delay = Math.min(MAX_DELAY_SECONDS, 2 ** Math.min(over - 1, 16));
        const g = await take(gates, account, { customDuration: delay });
        if (!g.ok) return refuse(g.res);
      }
      return {
        async succeeded() {
          await Promise.all([
            run(pairs, (r) => r.delete(pairKey)).catch(() => undefined),
            giveBack([[addresses, address], [accounts, account]]),
          ]);
        },
      };
    },
  };
}
