/**
 * `uow.inScope` takes the tenant's scope for a tenant id and the platform's for null: a gym's people are
 * seen only in that gym's scope, platform people only in the platform scope, on both drivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type Scope, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const drivers = [
  { driver: 'pglite' as const, enabled: true },
  { driver: 'pg' as const, enabled: withPostgres },
];

for (const { driver, enabled } of drivers) {
  describe.runIf(enabled)(`inScope on ${driver}`, () => {
    let db: Database;
    let uow: UnitOfWork;
    let testDb: TestDatabase | null = null;
    const ids = { gym: '', other: '', member: '', otherMember: '', admin: '' };

    beforeAll(async () => {
      if (driver === 'pg') testDb = await createTestDatabase();
      db = await openDatabase(
        driver === 'pg'
          ? { driver, url: testDb!.url, poolMax: 3, appRole: 'gym_app' }
          : { driver, dataDir: 'memory://', appRole: 'gym_app' },
      );
      uow = createUnitOfWork(db, LATER);
      const f = factories(db, uow);
      ids.gym = (await f.tenant()).id;
      ids.other = (await f.tenant()).id;
      ids.member = (await f.user(ids.gym)).id;
      ids.otherMember = (await f.user(ids.other)).id;
      const [admin] = await uow.inPlatform((trx) =>
        trx('users').insert({ tenant_id: null, username: 'scope-admin', password_hash: 'x', role: 'platform_admin' }).returning('id'));
      ids.admin = admin.id;
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    // What a caller serving both kinds of people reads, without knowing which scope it runs in.
    const people = (scope: Scope) => scope.trx('users').pluck('id') as Promise<string[]>;

    it("shows a gym's people, and only them, in the gym's scope", async () => {
      const seen = await uow.inScope(ids.gym, async (scope) => ({ tenantId: scope.tenantId, people: await people(scope) }));
      expect(seen.tenantId).toBe(ids.gym);
      expect(seen.people).toContain(ids.member);
      expect(seen.people).not.toContain(ids.otherMember);
      expect(seen.people).not.toContain(ids.admin);
    });

    it('shows platform people, and no gym people, in the platform scope', async () => {
      const seen = await uow.inScope(null, async (scope) => ({ tenantId: scope.tenantId, people: await people(scope) }));
      expect(seen.tenantId).toBeNull();
      expect(seen.people).toEqual([ids.admin]);
    });

    it('is the same scope as inTenant and inPlatform', async () => {
      const gyms = (scope: Scope) => scope.trx('tenants').pluck('id') as Promise<string[]>;
      expect(await uow.inScope(ids.gym, gyms)).toEqual([ids.gym]);
      expect(await uow.inScope(ids.gym, gyms)).toEqual(await uow.inTenant(ids.gym, gyms));
      expect((await uow.inScope(null, gyms)).sort()).toEqual([ids.gym, ids.other].sort());
      await expect(uow.inScope('not-a-tenant', gyms)).rejects.toThrow(/tenant uuid/);
    });
  });
}
