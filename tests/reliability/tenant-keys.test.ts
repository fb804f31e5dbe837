/**
 * Tenant keys all the way, read from the catalog on both drivers: every primary, unique and exclusion
 * key of a table with a tenant_id column includes tenant_id, and every foreign key between two such
 * tables carries tenant_id to tenant_id, unless the list below says why not. So a row can never point
 * into another gym, and the schema is one a database sharded by tenant_id (Citus) can hold (SCALING.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { report } from './support/figures.js';

/**
 * The keys without tenant_id, and why each is right. The three tables also hold platform rows
 * (tenant_id null), and a primary key cannot hold a null; their (tenant_id, …) keys are unique too.
 */
const EXCEPTIONS: Record<string, string> = {
  'users primary key (id)': 'platform admins have no tenant; (tenant_id, id) is unique as well and is what foreign keys reference',
  'refresh_tokens primary key (id)': "platform admins' logins have no tenant; their tokens point to their user through a trigger",
  'audit_log primary key (id)': 'platform actions have no tenant',
};

interface Key { table: string; kind: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null }

const drivers = [
  { driver: 'pglite' as const, enabled: true },
  { driver: 'pg' as const, enabled: withPostgres },
];

for (const { driver, enabled } of drivers) {
  describe.runIf(enabled)(`tenant keys on ${driver}`, () => {
    let db: Database;
    let uow: UnitOfWork;
    let testDb: TestDatabase | null = null;
    const rows = async <R>(sql: string): Promise<R[]> => ((await db.knex.raw(sql)) as { rows: R[] }).rows;

    beforeAll(async () => {
      if (driver === 'pg') testDb = await createTestDatabase();
      db = await openDatabase(
        driver === 'pg'
          ? { driver, url: testDb!.url, poolMax: 3, appRole: 'gym_app' }
          : { driver, dataDir: 'memory://', appRole: 'gym_app' },
      );
      uow = createUnitOfWork(db, LATER);
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('puts tenant_id in every key of a tenant table and in every foreign key between them, but the explained few', async () => {
      const names = (rel: string, attnums: string) =>
        `ARRAY(SELECT a.attname::text FROM unnest(${attnums}) WITH ORDINALITY AS u(n, i)
               JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = u.n ORDER BY u.i)`;
      const tenantTables = `SELECT c.oid FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`;
      const keys = await rows<Key>(`
        SELECT k.conrelid::regclass::text AS table,
               CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'x' THEN 'exclusion' ELSE 'foreign key' END AS kind,
               ${names('k.conrelid', 'k.conkey')} AS columns,
               CASE WHEN k.contype = 'f' THEN k.confrelid::regclass::text END AS ref_table,
               CASE WHEN k.contype = 'f' THEN ${names('k.confrelid', 'k.confkey')} END AS ref_columns
          FROM pg_constraint k
         WHERE k.conrelid IN (${tenantTables}) AND k.contype IN ('p', 'u', 'x', 'f')
           AND (k.contype <> 'f' OR k.confrelid IN (${tenantTables}))
        UNION ALL
        SELECT i.indrelid::regclass::text, 'unique index', ${names('i.indrelid', 'i.indkey::int2[]')}, NULL, NULL
          FROM pg_index i
         WHERE i.indrelid IN (${tenantTables}) AND i.indisunique
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1, 2, 3`);
      const tables = await rows<{ name: string; keyed: boolean }>(`
        SELECT c.relname::text AS name, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS keyed
          FROM pg_class c WHERE c.oid IN (${tenantTables}) ORDER BY 1`);
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'gym_areas', 'bookings', 'events', 'refresh_tokens']));

      const describeKey = (k: Key) =>
        `${k.table} ${k.kind} (${k.columns.join(', ')})${k.ref_table ? ` → ${k.ref_table} (${k.ref_columns!.join(', ')})` : ''}`;
      const carriesTenant = (k: Key) =>
        k.kind === 'foreign key' ? k.columns.some((c, i) => c === 'tenant_id' && k.ref_columns![i] === 'tenant_id') : k.columns.includes('tenant_id');
      const offending = keys.filter((k) => !carriesTenant(k)).map(describeKey);
      const unexplained = offending.filter((k) => !EXCEPTIONS[k]);
      const stale = Object.keys(EXCEPTIONS).filter((k) => !offending.includes(k));
      report(`tenant keys (${driver})`, { tables: tables.length, keys: keys.length, exceptions: offending.length - unexplained.length, unexplained: unexplained.length });
      expect(tables.filter((t) => !t.keyed).map((t) => t.name)).toEqual([]);
      expect(unexplained).toEqual([]);
      // An exception whose key was fixed must leave the list, so the list stays the truth.
      expect(stale).toEqual([]);
    });

    it("refuses a refresh token that points to another gym's person, or a platform token to a gym's", async () => {
      const f = factories(db, uow);
      const [a, b] = [await f.tenant(), await f.tenant()];
      const [inA, inB] = [await f.user(a.id), await f.user(b.id)];
      const token = (tenantId: string | null, userId: string) => ({
        tenant_id: tenantId, user_id: userId, family_id: crypto.randomUUID(), token_hash: crypto.randomUUID(), expires_at: new Date(Date.now() + 60_000),
      });
      await uow.inTenant(a.id, ({ trx }) => trx('refresh_tokens').insert(token(a.id, inA.id)));
      await expect(uow.inTenant(a.id, ({ trx }) => trx('refresh_tokens').insert(token(a.id, inB.id)))).rejects.toMatchObject({ code: '23503' });
      await expect(uow.inPlatform((trx) => trx('refresh_tokens').insert(token(null, inA.id)))).rejects.toMatchObject({ code: '23503' });
      const [admin] = await uow.inPlatform((trx) => trx('users').insert({ username: `root-${a.subdomain}`, password_hash: 'x', role: 'platform_admin' }).returning('id'));
      await uow.inPlatform((trx) => trx('refresh_tokens').insert(token(null, admin.id)));
      // Removing a person removes their logins, a platform admin's as well.
      await uow.inPlatform((trx) => trx('users').where({ id: admin.id }).delete());
      expect(await uow.inPlatform((trx) => trx('refresh_tokens').where({ user_id: admin.id }).count({ n: '*' }))).toEqual([{ n: 0 }]);
      await uow.inTenant(a.id, ({ trx }) => trx('users').where({ id: inA.id }).delete());
      expect(await uow.inTenant(a.id, ({ trx }) => trx('refresh_tokens').where({ user_id: inA.id }).count({ n: '*' }))).toEqual([{ n: 0 }]);
    });
  });
}
