/**
 * Two app servers in this process on one private database and one private redis-server (the first
 * seeds the demo gyms), for a describe block: what one server does must reach the other's sockets.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { TEST_SECRETS } from '../support/secrets.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { privateRedis, type PrivateRedis } from './cluster-support.js';

/** Registers the block's set-up and tear-down; the servers are there from the block's first beforeAll on. */
export function twoServers(env: Record<string, string> = {}): { a: RunningServer; b: RunningServer } {
  const servers = {} as { a: RunningServer; b: RunningServer };
  let database: TestDatabase | undefined;
  let redis: PrivateRedis | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await privateRedis();
    const shared = {
      NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', LOG_LEVEL: 'silent',
      ...TEST_SECRETS, DATABASE_URL: database.url, REDIS_URL: redis.url, ...env,
    };
    servers.a = await startServer(loadConfig({ ...shared, SEED_DEMO: 'true' }));
    servers.b = await startServer(loadConfig({ ...shared, SEED_DEMO: 'false' }), { migrate: false });
  }, 180_000);
  afterAll(async () => {
    await servers.a?.close();
    await servers.b?.close();
    await redis?.kill();
    await database?.drop();
  }, 60_000);
  return servers;
}
