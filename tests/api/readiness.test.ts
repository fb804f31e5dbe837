/**
 * Readiness tells the orchestrator whether to send this node traffic: an older schema than the code's
 * (a migration not run) is "pending" and 503, since every login would fail on it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

describe.runIf(withPostgres)('readiness', () => {
  let server: TestServer;
  let owner: pg.Client;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg', seed: false });
    const { database } = server.config;
    owner = new pg.Client({ connectionString: database.driver === 'pg' ? database.url : '' });
    await owner.connect();
  });
  afterAll(async () => {
    await owner?.end();
    await server?.stop();
  });

  it('is ready on a current schema, and liveness says nothing about the schema', async () => {
    const ready = await api(server.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({ database: 'ok', redis: 'not_configured', migrations: 'current' });
    expect((await api(server.url, 'GET', '/healthz')).body.data).toEqual({ status: 'ok' });
  });

  it('answers 503 with migrations pending while the newest migration has not run', async () => {
    const { rows } = await owner.query<{ id: number; name: string; batch: number; migration_time: Date }>(
      'DELETE FROM knex_migrations WHERE id = (SELECT max(id) FROM knex_migrations) RETURNING *',
    );
    try {
      const ready = await api(server.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.data).toMatchObject({ code: 'service_unavailable', details: { database: 'ok', migrations: 'pending' } });
      expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      const [m] = rows;
      await owner.query('INSERT INTO knex_migrations (id, name, batch, migration_time) VALUES ($1, $2, $3, $4)', [m!.id, m!.name, m!.batch, m!.migration_time]);
    }
    expect((await api(server.url, 'GET', '/readyz')).status).toBe(200);
  });
});
