import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadDatabaseConfig } from '../../backend/src/config.js';
import { randomSecret, SECRETS_FILE } from '../../backend/src/secrets.js';

const secrets = () => ({ JWT_SECRET: randomSecret(), SESSION_SECRET: randomSecret() });
const server = { DATABASE_URL: 'postgres://u@db/x' };
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gymflow-config-'));

describe('configuration', () => {
  it('runs embedded on port 3000 with no settings but a data folder', () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config.port).toBe(3000);
    expect(config.database.driver).toBe('pglite');
    expect(config.workers).toBe(1);
    expect(config.seedDemo).toBe(true);
    expect(config.drainSeconds).toBe(10);
    expect(Object.isFrozen(config) && Object.isFrozen(config.jwt)).toBe(true);
  });

  it('uses PostgreSQL, Redis and cluster workers when both URLs are set', () => {
    const config = loadConfig({ ...server, ...secrets(), REDIS_URL: 'redis://r:6379', WEB_CONCURRENCY: '3' });
    expect(config.database).toMatchObject({ driver: 'pg', url: 'postgres://u@db/x', appRole: 'gym_app' });
    expect(config.workers).toBe(3);
  });
});

describe('secrets', () => {
  it('generates the embedded secrets on first start, keeps them readable by the owner only, and reuses them', () => {
    const dir = tempDir();
    const first = loadConfig({ DATA_DIR: dir });
    const file = path.join(dir, SECRETS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.jwt.secret).not.toBe(first.session.secret);
    const second = loadConfig({ DATA_DIR: dir });
    expect([second.jwt.secret, second.session.secret]).toEqual([first.jwt.secret, first.session.secret]);
    // Another folder, other secrets.
    expect(loadConfig({ DATA_DIR: tempDir() }).jwt.secret).not.toBe(first.jwt.secret);
  });

  it('keeps random secrets in memory for an in-memory database', () => {
    const a = loadConfig({ DATA_DIR: 'memory://' });
    const b = loadConfig({ DATA_DIR: 'memory://' });
    expect(a.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect(a.jwt.secret).not.toBe(b.jwt.secret);
  });

  it('requires both secrets with DATABASE_URL whatever NODE_ENV says, naming each and what to do', () => {
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      const env = NODE_ENV ? { ...server, NODE_ENV } : server;
      expect(() => loadConfig(env)).toThrow(/JWT_SECRET: is required with DATABASE_URL: set it[\s\S]*SESSION_SECRET: is required/);
    }
    expect(() => loadConfig({ ...server, JWT_SECRET: randomSecret() })).toThrow(/SESSION_SECRET/);
  });

  it.each([
    ['a placeholder', 'change-me-change-me-change-me-change-me', /looks like a placeholder/],
    ['the old development default', 'dev-only-jwt-secret-change-me-0123456789', /looks like a placeholder/],
    ['one letter repeated', 'a'.repeat(48), /too few distinct characters/],
    ['two letters repeated', 'ab'.repeat(24), /too few distinct characters/],
    ['a short one', 'Zq3!x9', /too short/],
  ])('refuses %s as a secret', (_what, value, reason) => {
    expect(() => loadConfig({ ...server, ...secrets(), JWT_SECRET: value })).toThrow(new RegExp(`JWT_SECRET: .*${reason.source}.*openssl rand`));
    // Also when it is given to the embedded mode.
    expect(() => loadConfig({ DATA_DIR: 'memory://', SESSION_SECRET: value })).toThrow(/SESSION_SECRET/);
  });

  it('refuses the same value for both secrets', () => {
    const one = randomSecret();
    expect(() => loadConfig({ ...server, JWT_SECRET: one, SESSION_SECRET: one })).toThrow(/SESSION_SECRET: must differ from JWT_SECRET/);
  });

  it('accepts random hex and base64 secrets', () => {
    const hex = fs.readFileSync('/dev/urandom').subarray(0, 32).toString('hex');
    expect(loadConfig({ ...server, JWT_SECRET: hex, SESSION_SECRET: randomSecret() }).jwt.secret).toBe(hex);
  });
});

describe('production and demo data', () => {
  it('refuses production without DATABASE_URL unless the embedded mode is asked for by name', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: 'memory://' })).toThrow(/DATABASE_URL: is required in production[\s\S]*EMBEDDED=true/);
    const embedded = loadConfig({ NODE_ENV: 'production', EMBEDDED: 'true', DATA_DIR: tempDir() });
    expect(embedded.database.driver).toBe('pglite');
    expect(embedded.seedDemo).toBe(false);
    // The migration command follows the same rule.
    expect(() => loadDatabaseConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL/);
  });

  it('never seeds demo data on PostgreSQL or in production unless told to', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(loadConfig({ NODE_ENV, ...server, ...secrets() }).seedDemo).toBe(false);
      expect(loadConfig({ NODE_ENV, ...server, ...secrets(), SEED_DEMO: 'true' }).seedDemo).toBe(true);
    }
    expect(loadConfig({ NODE_ENV: 'production', ...server, ...secrets() }).migrateOnStart).toBe(false);
  });

  it('lets the migration command run without the secrets it never uses', () => {
    expect(loadDatabaseConfig({ NODE_ENV: 'production', ...server }).database).toMatchObject({ driver: 'pg', url: server.DATABASE_URL });
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url' })).toThrow(/PORT[\s\S]*REDIS_URL/);
  });
});
