/**
 * What one person (a user, or one display token) may take of the real-time layer: at most
 * SOCKETS_PER_PERSON open sockets across every worker and node (counted in Redis when configured, in
 * memory otherwise; a Redis that cannot answer falls back to this process's own count), and at most
 * REPLAY_EVENTS_PER_MINUTE events replayed from the log per minute (one full replay of a log longer
 * than that is always allowed). Without these, one token opened 300 sockets that each replayed the
 * whole log.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { AppDeps } from '../deps.js';
import { sha256 } from '../modules/auth/tokens.js';
import { viaRedis } from '../modules/auth/redis-guard.js';
import type { TenantSocket } from './tenant-stream.js';

/** A count left behind by a crashed process fades after this long without a new connection of that person. */
const COUNT_TTL_SECONDS = 3600;

/**
 * Takes a place if one is left, in one command (a handshake burst sends one per socket, pipelined):
 * KEYS[1] the person's count, ARGV cap and TTL; answers the count including this socket, or cap + 1.
 */
const TAKE_PLACE = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) end
return n`;
const TAKE_PLACE_COMMAND = 'gymflowTakeSocketPlace';
type WithTakePlace = Redis & { [TAKE_PLACE_COMMAND]: (key: string, cap: number, ttlSeconds: number) => Promise<number> };

/** The client with the script defined on it (once per client: servers in one process may share it). */
function withTakePlace(redis: Redis): WithTakePlace {
  if (!(TAKE_PLACE_COMMAND in redis)) redis.defineCommand(TAKE_PLACE_COMMAND, { numberOfKeys: 1, lua: TAKE_PLACE });
  return redis as WithTakePlace;
}

export interface PersonLimits {
  /** Takes a socket place for the person; false when they already hold the maximum. */
  acquire(person: string): Promise<boolean>;
  release(person: string): void;
  /** Charges `events` to the person's replay budget; false when the budget of this minute is spent. */
  chargeReplay(person: string, events: number): Promise<boolean>;
}

/** Who a socket belongs to: its user, its API key, or its display token (by hash, never the secret). */
export function personOf(socket: TenantSocket): string {
  if (socket.data.userId) return `u:${socket.data.userId}`;
  if (socket.data.apiKey) return `k:${socket.data.apiKey.id}`;
  const auth = socket.handshake.auth as { token?: unknown };
  const bearer = /^Bearer\s+(\S+)$/i.exec(socket.handshake.headers.authorization ?? '')?.[1];
  return `d:${sha256(String(typeof auth.token === 'string' && auth.token ? auth.token : bearer))}`;
}

export function createPersonLimits(deps: AppDeps): PersonLimits {
  const { socketsPerPerson: cap, replayEventsPerMinute: budget } = deps.config.realtimeLimits;
  const local = new Map<string, number>();
  /** Where each person's places here were counted, so a release goes back to the same counter. */
  const inRedis = new Map<string, number>();
  const key = (person: string) => `gym:sockets:${person}`;
  const localAcquire = (person: string) => {
    const n = local.get(person) ?? 0;
    if (n >= cap) return false;
    local.set(person, n + 1);
    return true;
  };

  const counter = deps.redis ? withTakePlace(deps.redis) : null;
  const memory = new RateLimiterMemory({ keyPrefix: 'replay', points: budget, duration: 60 });
  const replay: RateLimiterAbstract = deps.redis
    ? new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: 'gym:replay', points: budget, duration: 60, insuranceLimiter: memory, rejectIfRedisNotReady: true })
    : memory;

  return {
    async acquire(person) {
      if (counter) {
        try {
          const n = await viaRedis(counter, () => counter[TAKE_PLACE_COMMAND](key(person), cap, COUNT_TTL_SECONDS));
          if (n > cap) return false;
          inRedis.set(person, (inRedis.get(person) ?? 0) + 1);
          return true;
        } catch {
          // Redis cannot answer: this process's own count still holds the line here.
        }
      }
      return localAcquire(person);
    },
    release(person) {
      const counted = inRedis.get(person) ?? 0;
      if (counted > 0 && deps.redis) {
        if (counted === 1) inRedis.delete(person);
        else inRedis.set(person, counted - 1);
        void viaRedis(deps.redis, (r) => r.decr(key(person))).catch(() => undefined);
        return;
      }
      const n = (local.get(person) ?? 1) - 1;
      if (n > 0) local.set(person, n);
      else local.delete(person);
    },
    async chargeReplay(person, events) {
      if (events <= 0) return true;
      try {
        await replay.consume(person, Math.min(events, budget));
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) return false;
        return memory.consume(person, Math.min(events, budget)).then(() => true, () => false);
      }
    },
  };
}
