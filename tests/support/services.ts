/**
 * Which real services the suite can use. In CI (CI=true) a missing PostgreSQL, Redis or Chromium fails
 * the run; elsewhere the tests that need them are skipped with a loud note saying why.
 */
import fs from 'node:fs';
import net from 'node:net';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const cache = new Map<string, Promise<boolean>>();
const once = (key: string, probe: () => Promise<boolean>) => {
  if (!cache.has(key)) cache.set(key, probe());
  return cache.get(key)!;
};

export const hasPostgres = () => once('pg', () => reachable(PG_ADMIN_URL, 5432));
export const hasRedis = () => once('redis', () => reachable(REDIS_URL, 6379));
export const hasChromium = () => once('chromium', async () => fs.existsSync(CHROMIUM_PATH));

/**
 * Resolves true when the service is there. In CI a missing service throws (the test fails);
 * elsewhere it warns loudly and resolves false so the caller can skip.
 */
export async function requireService(name: 'postgres' | 'redis' | 'chromium'): Promise<boolean> {
  const ok = await (name === 'postgres' ? hasPostgres() : name === 'redis' ? hasRedis() : hasChromium());
  if (ok) return true;
  const why = name === 'chromium' ? `${CHROMIUM_PATH} is missing` : `${name} is not reachable`;
  if (IN_CI) throw new Error(`CI needs ${name}: ${why}`);
  console.warn(`\n*** SKIPPING tests that need ${name}: ${why}. They run (and must pass) in CI. ***\n`);
  return false;
}

/** Top-level await helpers for describe.runIf(...). */
export const withPostgres = await requireService('postgres');
export const withRedis = await requireService('redis');
