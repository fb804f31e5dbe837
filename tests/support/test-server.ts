/**
 * A real server on port 0 for a test file: on PGlite (in memory) or on a fresh PostgreSQL database,
 * optionally with Redis, demo data seeded, fast bcrypt. `api` speaks the envelope and checks every
 * answer against its route's declaration (contract.ts).
 */
import { loadConfig, type Config } from '../../backend/src/config.js';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { TEST_SECRETS } from './secrets.js';
import { REDIS_URL } from './services.js';
import { checkAnswersOf, contractOf, forgetServer } from './contract.js';
import { widenBookingRules } from './booking-rules.js';

export type Driver = 'pg' | 'pglite';

export interface TestServer extends RunningServer {
  config: Readonly<Config>;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: { driver?: Driver; redis?: boolean; env?: Record<string, string>; seed?: boolean } = {},
): Promise<TestServer> {
  const driver = options.driver ?? 'pg';
  let database: TestDatabase | null = null;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    BCRYPT_COST: '4',
    SEED_DEMO: options.seed === false ? 'false' : 'true',
    // The demo data of docs/demo-data.md only: tests count people and places; demo-seed and the screen tour turn it on.
    SEED_DEMO_ACTIVITY: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  if (driver === 'pg') {
    database = await createTestDatabase();
    env.DATABASE_URL = database.url;
    for (const [name, value] of Object.entries(TEST_SECRETS)) env[name] ??= value;
  } else {
    env.DATA_DIR = 'memory://';
  }
  if (options.redis) env.REDIS_URL = REDIS_URL;
  const config = loadConfig(env);
  const server = await startServer(config);
  checkAnswersOf(server.url, server.routes);
  if (options.seed !== false) await server.deps.uow.inPlatform((trx) => widenBookingRules(trx));
  return {
    ...server,
    config,
    async stop() {
      forgetServer(server.url);
      await server.close();
      await database?.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: { success: boolean; message: string; data: T; timestamp: string };
}

/** Calls the API and parses the envelope; throws when the answer breaks its route's contract. */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: ApiResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path} answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
  contractOf(baseUrl)?.assert(method, path, res.status, body);
  return { status: res.status, headers: res.headers, body };
}
