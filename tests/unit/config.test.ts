import { describe, expect, it } from 'vitest';
import { DEV_SECRETS, loadConfig } from '../../backend/src/config.js';

describe('configuration', () => {
  it('runs embedded on port 3000 with no settings at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database.driver).toBe('pglite');
    expect(config.workers).toBe(1);
    expect(config.seedDemo).toBe(true);
    expect(Object.isFrozen(config) && Object.isFrozen(config.jwt)).toBe(true);
  });

  it('uses PostgreSQL, Redis and cluster workers when both URLs are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/x', REDIS_URL: 'redis://r:6379', WEB_CONCURRENCY: '3' });
    expect(config.database).toMatchObject({ driver: 'pg', url: 'postgres://u@db/x', appRole: 'gym_app' });
    expect(config.workers).toBe(3);
  });

  it('refuses to start in production with missing or default secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET[\s\S]*SESSION_SECRET/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_SECRETS.jwt, SESSION_SECRET: 'x'.repeat(40) }),
    ).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/JWT_SECRET/);
  });

  it('never seeds demo data in production unless told to', () => {
    const secrets = { JWT_SECRET: 'j'.repeat(40), SESSION_SECRET: 's'.repeat(40) };
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).seedDemo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).migrateOnStart).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'true', ...secrets }).seedDemo).toBe(true);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url' })).toThrow(/PORT[\s\S]*REDIS_URL/);
  });
});
