/**
 * The cross-tenant audit of the database catalog, beyond the tables with a `tenant_id` column: every
 * table the app role can reach is under forced row-level security unless the allowlist below says why
 * not, SECURITY DEFINER functions are pinned and granted to the app role only, and a tenant-scoped
 * transaction attacks the platform tables (`tenants`, `web_sessions`) the way an injected query would.
 * On both drivers: the embedded PGlite always, PostgreSQL when present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { report } from './support/figures.js';

/**
 * Tables the app role may reach without row-level security, each with the only privileges it may hold
 * there and why that is safe. Anything else reachable must be under forced RLS with a policy.
 */
const ALLOWLIST: Record<string, { privileges: string[]; why: string }> = {
  knex_migrations: { privileges: ['SELECT'], why: 'migration names only; readiness compares them with the code' },
  knex_migrations_lock: { privileges: ['SELECT'], why: 'one lock flag; read with knex_migrations by migrate.list' },
};

/** What the directory functions may tell before any tenant is known: nothing beyond these. */
const DIRECTORY_COLUMNS = ['id', 'subdomain', 'subscription_status', 'subscription_plan'];

const drivers = [
  { driver: 'pglite' as const, enabled: true },
  { driver: 'pg' as const, enabled: withPostgres },
];

for (const { driver, enabled } of drivers) {
  describe.runIf(enabled)(`the catalog and the platform tables on ${driver}`, () => {
    let db: Database;
    let uow: UnitOfWork;
    let testDb: TestDatabase | null = null;
    const gyms: Record<'a' | 'b', { id: string; subdomain: string }> = { a: { id: '', subdomain: '' }, b: { id: '', subdomain: '' } };
    const rows = async <R>(sql: string, bindings: unknown[] = []): Promise<R[]> =>
      ((await db.knex.raw(sql, bindings as never)) as { rows: R[] }).rows;

    beforeAll(async () => {
      if (driver === 'pg') testDb = await createTestDatabase();
      db = await openDatabase(
        driver === 'pg'
          ? { driver, url: testDb!.url, poolMax: 3, appRole: 'gym_app' }
          : { driver, dataDir: 'memory://', appRole: 'gym_app' },
      );
      uow = createUnitOfWork(db, LATER);
      const f = factories(db, uow);
      gyms.a = await f.tenant({ subscription_plan: 'basic' });
      gyms.b = await f.tenant({ subscription_plan: 'basic' });
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('puts every table the app role can reach under forced row-level security, but an explained few', async () => {
      const role = db.appRole;
      const tables = await rows<{ name: string; kind: string; enabled: boolean; forced: boolean; policies: number; privileges: string[] }>(
        `SELECT c.relname AS name, c.relkind::text AS kind, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
                coalesce((SELECT array_agg(DISTINCT g.privilege_type::text ORDER BY g.privilege_type::text)
                          FROM information_schema.role_table_grants g
                          WHERE g.grantee = ? AND g.table_schema = n.nspname AND g.table_name = c.relname), '{}') AS privileges
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND (has_table_privilege(?, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                OR has_any_column_privilege(?, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
         ORDER BY c.relname`,
        [role, role, role],
      );
      const names = tables.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['tenants', 'users', 'audit_log']));
      const unguarded = tables
        .filter((t) => !ALLOWLIST[t.name] && (!['r', 'p'].includes(t.kind) || !t.enabled || !t.forced || t.policies === 0))
        .map((t) => t.name);
      const overAllowed = tables
        .filter((t) => ALLOWLIST[t.name] && t.privileges.some((p) => !ALLOWLIST[t.name]!.privileges.includes(p)))
        .map((t) => `${t.name}: ${t.privileges.join(',')}`);
      report(`catalog audit (${driver})`, { reachable_tables: tables.length, allowlisted: tables.filter((t) => ALLOWLIST[t.name]).length, unguarded: unguarded.length });
      expect(unguarded).toEqual([]);
      expect(overAllowed).toEqual([]);
    });

    it('pins the search_path of every SECURITY DEFINER function and grants it to the app role only', async () => {
      const fns = await rows<{ name: string; config: string[] | null; public_exec: boolean; app_exec: boolean }>(
        `SELECT p.proname AS name, p.proconfig AS config,
                EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE a.grantee = 0) AS public_exec,
                has_function_privilege(?, p.oid, 'EXECUTE') AS app_exec
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.prosecdef ORDER BY p.proname`,
        [db.appRole],
      );
      expect(fns.map((f) => f.name)).toEqual(expect.arrayContaining(['tenant_directory_by_id', 'tenant_directory_by_subdomain']));
      const loose = fns.filter((f) => !f.config?.some((c) => c.startsWith('search_path=')) || f.public_exec || !f.app_exec).map((f) => f.name);
      expect(loose).toEqual([]);
    });

    it('shows a tenant-scoped transaction only its own gym and lets it change no other', async () => {
      const { a, b } = gyms;
      await uow.inTenant(a.id, async ({ trx }) => {
        const all = await trx.raw('SELECT * FROM tenants');
        expect(all.rows.map((r: { id: string }) => r.id)).toEqual([a.id]);
        const replanned = await trx.raw(`UPDATE tenants SET subscription_plan = 'enterprise' WHERE id = ?`, [b.id]);
        expect(replanned.rowCount).toBe(0);
        const everyone = await trx.raw(`UPDATE tenants SET name = name`);
        expect(everyone.rowCount).toBe(1);
      });
      // Its own plan and status are the platform's to change, not the gym's.
      await expect(uow.inTenant(a.id, ({ trx }) => trx.raw(`UPDATE tenants SET subscription_plan = 'enterprise' WHERE id = ?`, [a.id])))
        .rejects.toMatchObject({ code: '42501' });
      await expect(uow.inTenant(a.id, ({ trx }) => trx.raw(`DELETE FROM tenants WHERE id = ?`, [b.id])))
        .rejects.toMatchObject({ code: '42501' });
      await expect(uow.inTenant(a.id, ({ trx }) => trx('tenants').insert({ name: 'Twin', subdomain: `twin-${a.subdomain}` })))
        .rejects.toThrow(/row-level security/);
      const plans = await uow.inPlatform((trx) => trx('tenants').whereIn('id', [a.id, b.id]).pluck('subscription_plan'));
      expect(plans).toEqual(['basic', 'basic']);
    });

    it('shows no gym without a scope and every gym to the platform, which alone re-plans them', async () => {
      expect(await rows('SELECT * FROM tenants')).toEqual([]);
      expect(await rows(`UPDATE tenants SET subscription_plan = 'enterprise' RETURNING id`)).toEqual([]);
      const seen = await uow.inPlatform((trx) => trx('tenants').pluck('id'));
      expect(seen).toEqual(expect.arrayContaining([gyms.a.id, gyms.b.id]));
      await uow.inPlatform((trx) => trx('tenants').where({ id: gyms.b.id }).update({ subscription_plan: 'pro' }));
      await uow.inPlatform((trx) => trx('tenants').where({ id: gyms.b.id }).update({ subscription_plan: 'basic' }));
    });

    it('finds a gym before any tenant is known only through the narrow directory functions', async () => {
      const { b } = gyms;
      const bySub = await db.knex.raw('SELECT * FROM tenant_directory_by_subdomain(?)', [b.subdomain]);
      expect(bySub.fields.map((f: { name: string }) => f.name)).toEqual(DIRECTORY_COLUMNS);
      expect(bySub.rows).toEqual([{ id: b.id, subdomain: b.subdomain, subscription_status: 'active', subscription_plan: 'basic' }]);
      const byId = await db.knex.raw('SELECT * FROM tenant_directory_by_id(?)', [b.id]);
      expect(byId.fields.map((f: { name: string }) => f.name)).toEqual(DIRECTORY_COLUMNS);
      expect(byId.rows).toEqual(bySub.rows);
      expect((await rows('SELECT * FROM tenant_directory_by_subdomain(?)', ['no-such-gym']))).toEqual([]);
      // Inside a tenant the functions answer the same: they are a lookup, not a way around the policy.
      const fromA = await uow.inTenant(gyms.a.id, ({ trx }) => trx.raw('SELECT * FROM tenant_directory_by_id(?)', [b.id]));
      expect(Object.keys(fromA.rows[0])).toEqual(DIRECTORY_COLUMNS);
    });

    it('keeps web sessions out of reach but by their own secret id', async () => {
      const expires = new Date(Date.now() + 60_000).toISOString();
      await rows('SELECT web_session_put(?, ?::jsonb, ?::timestamptz)', ['sid-a', JSON.stringify({ uid: 'a' }), expires]);
      await rows('SELECT web_session_put(?, ?::jsonb, ?::timestamptz)', ['sid-b', JSON.stringify({ uid: 'b' }), expires]);
      await expect(db.knex.raw('SELECT * FROM web_sessions')).rejects.toMatchObject({ code: '42501' });
      await expect(uow.inTenant(gyms.a.id, ({ trx }) => trx.raw('SELECT sid FROM web_sessions'))).rejects.toMatchObject({ code: '42501' });
      expect(await rows('SELECT web_session_get(?) AS data', ['sid-b'])).toEqual([{ data: { uid: 'b' } }]);
      await rows('SELECT web_session_drop(?)', ['sid-b']);
      expect(await rows('SELECT web_session_get(?) AS data', ['sid-b'])).toEqual([{ data: null }]);
      expect(await rows('SELECT web_session_get(?) AS data', ['sid-a'])).toEqual([{ data: { uid: 'a' } }]);
    });
  });
}
