/**
 * Migrations that change what existing rows hold, run over rows written by the schema before them, on
 * both drivers: money in numeric(10,2) becomes the same amount in integer cents, exactly, and back; the
 * tenant keys are re-cut around the rows already there, and put back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knexFactory, { type Knex } from 'knex';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { migrations } from '../../db/migrations/index.js';
import { PgliteClient } from '../../backend/src/db/knex-clients.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Migration = (typeof migrations)[number];
const source = (list: readonly Migration[]): Knex.MigrationSource<Migration> => ({
  getMigrations: async () => [...list],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
});
const MONEY = migrations.findIndex((m) => m.name === '20261203100000_money_in_cents');

const drivers = [
  { driver: 'pglite' as const, enabled: true },
  { driver: 'pg' as const, enabled: withPostgres },
];

for (const { driver, enabled } of drivers) {
  describe.runIf(enabled)(`migrations over existing rows on ${driver}`, () => {
    let knex: Knex;
    let testDb: TestDatabase | null = null;
    let pglite: PGlite | null = null;
    const rows = async <R>(sql: string): Promise<R[]> => ((await knex.raw(sql)) as { rows: R[] }).rows;

    beforeAll(async () => {
      // The schema's owner (a superuser here), as a deploy migrates: row-level security does not hide rows from it.
      if (driver === 'pg') {
        testDb = await createTestDatabase();
        knex = knexFactory({ client: 'pg', connection: testDb.url, pool: { min: 0, max: 1 }, appRole: 'gym_app' } as Knex.Config);
      } else {
        pglite = await PGlite.create('memory://', { extensions: { btree_gist } });
        knex = knexFactory({ client: PgliteClient as unknown as typeof Knex.Client, connection: () => ({ pglite }), appRole: 'gym_app' } as Knex.Config);
      }
      await knex.migrate.latest({ migrationSource: source(migrations.slice(0, MONEY)) });
    });

    afterAll(async () => {
      await knex?.destroy(); // closes the PGlite instance too
      if (pglite && !pglite.closed) await pglite.close();
      await testDb?.drop();
    });

    it('turns prices in numeric into the same amounts in integer cents and re-keys the tables, and back', async () => {
      const [tenant] = await rows<{ id: string }>(`INSERT INTO tenants (name, subdomain) VALUES ('Old Gym', 'old-gym') RETURNING id`);
      const [user] = await rows<{ id: string }>(
        `INSERT INTO users (tenant_id, username, password_hash, role) VALUES ('${tenant!.id}', 'old', 'x', 'member') RETURNING id`);
      const prices = ['11.99', '0.00', '0.01', '99999999.99', '20.50'];
      const areas = await rows<{ id: string }>(`INSERT INTO gym_areas (tenant_id, name_en, name_el, capacity, price_per_hour)
        SELECT '${tenant!.id}', 'Area ' || p, 'Χώρος', 5, p::numeric FROM unnest(ARRAY['${prices.join("','")}']) WITH ORDINALITY AS x(p, n)
        ORDER BY n RETURNING id`);
      await knex.raw(`INSERT INTO bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price)
        VALUES (?, ?, ?, '2030-01-01', '10:00', 90, '2030-01-01T08:00Z', '2030-01-01T09:30Z', 1, 17.99)`, [tenant!.id, user!.id, areas[0]!.id]);
      // Logins of a gym's member and of a platform admin, which the keys migration re-keys around.
      const [admin] = await rows<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('root', 'x', 'platform_admin') RETURNING id`);
      await knex.raw(`INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)
        VALUES (?, ?, gen_random_uuid(), 'hash-a', now() + interval '1 day'), (NULL, ?, gen_random_uuid(), 'hash-p', now() + interval '1 day')`,
        [tenant!.id, user!.id, admin!.id]);

      await knex.migrate.latest({ migrationSource: source(migrations) });
      // As text: the drivers' parsers of bigint differ, and the digits are what is compared.
      const cents = await rows<{ cents: string }>(`SELECT price_per_hour_cents::text AS cents FROM gym_areas ORDER BY price_per_hour_cents`);
      expect(cents.map((r) => r.cents)).toEqual(['0', '1', '1199', '2050', '9999999999']);
      const [booking] = await rows<{ cents: string; type: string }>(
        `SELECT price_cents::text AS cents, pg_typeof(price_cents)::text AS type FROM bookings`);
      expect(booking).toEqual({ cents: '1799', type: 'bigint' });
      const [fn] = await rows<{ args: string }>(`SELECT pg_get_function_identity_arguments('book_room'::regproc) AS args`);
      expect(fn!.args).toMatch(/p_price_cents bigint, p_now timestamp with time zone, p_rules jsonb$/);
      expect(await rows(`SELECT token_hash FROM refresh_tokens ORDER BY token_hash`)).toEqual([{ token_hash: 'hash-a' }, { token_hash: 'hash-p' }]);

      // Back down past the money migration: the same decimals again.
      while ((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM knex_migrations`))[0]!.n > MONEY) {
        await knex.migrate.down({ migrationSource: source(migrations) });
      }
      const decimals = await rows<{ price_per_hour: string }>(`SELECT price_per_hour::text AS price_per_hour FROM gym_areas`);
      expect(decimals.map((r) => r.price_per_hour).sort()).toEqual([...prices].sort());
      expect(await rows(`SELECT price::text AS price FROM bookings`)).toEqual([{ price: '17.99' }]);
      await knex.migrate.latest({ migrationSource: source(migrations) });
      expect(await rows(`SELECT price_cents::text AS cents FROM bookings`)).toEqual([{ cents: '1799' }]);
    });
  });
}
