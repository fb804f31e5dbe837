/**
 * What backend/src/db/knex-clients.ts gets from knex's internals, checked on PostgreSQL: a transaction
 * with settings is three round trips for one statement (BEGIN with the settings, the statement, the last
 * statement with COMMIT), the settings are in force for the work, and a failing last statement undoes the
 * transaction and fails it. A knex upgrade that changes the internals fails here first.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe.runIf(withPostgres)('knex clients on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ driver: 'pg', url: testDb.url, poolMax: 1, appRole: 'gym_app' });
    await db.knex.raw('select 1'); // the pool's first connection, with its own set-up query, before counting
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  /** The queries sent to PostgreSQL while `work` runs. */
  async function sent<T>(work: () => Promise<T>): Promise<{ value: T | Error; queries: string[] }> {
    const queries: string[] = [];
    const original = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: any[]) {
      const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
      queries.push(String(text));
      return (original as any).apply(this, args);
    });
    try {
      return { value: await work().catch((err: Error) => err), queries };
    } finally {
      spy.mockRestore();
    }
  }

  it('opens with the settings and commits with the last statement, in three round trips', async () => {
    const { value, queries } = await sent(() =>
      db.transaction({ 'app.probe': 'seen' }, async (trx) => (await trx.raw("select current_setting('app.probe') as v")).rows[0].v, () => 'select 1'),
    );
    expect(value).toBe('seen');
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatch(/^BEGIN; SELECT set_config\(E'app\.probe', E'seen', true\);$/);
    expect(queries[2]).toBe('select 1; COMMIT;');
    // Local to the transaction: gone afterwards.
    expect((await db.knex.raw("select current_setting('app.probe', true) as v")).rows[0].v).toBeFalsy();
  });

  it('rolls back and fails the transaction when the last statement fails', async () => {
    const { value } = await sent(() =>
      db.transaction({ 'app.probe': 'x' }, async (trx) => {
        // A session-level setting made in a transaction is undone by its rollback.
        await trx.raw("select set_config('app.undone', 'no', false)");
        return 'committed';
      }, () => 'select 1/0'),
    );
    expect(value).toBeInstanceOf(Error);
    expect(String((value as Error).message)).toMatch(/division by zero/);
    // The one connection went back to the pool usable, and what the transaction did was undone.
    expect((await db.knex.raw("select current_setting('app.undone', true) as v")).rows[0].v).toBeFalsy();
  });
});
