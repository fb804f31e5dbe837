/**
 * The database itself isolates tenants and guards capacity, on both drivers: forced row-level
 * security on every tenant table, an app role that cannot bypass it, and constraints that refuse
 * overbooking and occupancy out of range whatever the code does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_TABLES } from '../../db/migrations/20261125000100_schema.js';
import { openDatabase, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { createEventStore, type EventStore } from '../../backend/src/realtime/event-store.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const drivers = [
  { driver: 'pglite' as const, enabled: true },
  { driver: 'pg' as const, enabled: withPostgres },
];

for (const { driver, enabled } of drivers) {
  describe.runIf(enabled)(`the database on ${driver}`, () => {
    let db: Database;
    let uow: UnitOfWork;
    let testDb: TestDatabase | null = null;
    const committed: string[] = [];
    let store: EventStore;
    const ids: Record<'a' | 'b', string> = { a: '', b: '' };
    const areaOf: Record<'a' | 'b', string> = { a: '', b: '' };
    const userOf: Record<'a' | 'b', string> = { a: '', b: '' };

    beforeAll(async () => {
      if (driver === 'pg') testDb = await createTestDatabase();
      db = await openDatabase(
        driver === 'pg'
          ? { driver, url: testDb!.url, poolMax: 5, appRole: 'gym_app' }
          : { driver, dataDir: 'memory://', appRole: 'gym_app' },
      );
      uow = createUnitOfWork(db, { committed: (tenantId) => committed.push(tenantId) });
      store = createEventStore({ db, uow });
      const f = factories(db, uow);
      for (const key of ['a', 'b'] as const) {
        const t = await f.tenant();
        ids[key] = t.id;
        const user = await f.user(t.id);
        const area = await f.area(t.id, { capacity: 2, booking_capacity: 2 });
        const program = await f.program(t.id);
        userOf[key] = user.id;
        areaOf[key] = area.id;
        // One row in every tenant table.
        await uow.inTenant(t.id, async (s) => {
          const { trx } = s;
          await trx.raw(
            `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents)
             values (?, ?, ?, '2030-01-01', '10:00', 60, '2030-01-01T08:00Z', '2030-01-01T09:00Z', 1, 0)`,
            [t.id, user.id, area.id],
          );
          await trx('workout_sessions').insert({ tenant_id: t.id, user_id: user.id, program_id: program.id });
          await trx('visits').insert({ tenant_id: t.id, user_id: user.id, gym_area_id: area.id, source: 'staff' });
          s.record('slots:changed', { area_id: area.id, date: '2030-01-01' });
          await trx('refresh_tokens').insert({ tenant_id: t.id, user_id: user.id, family_id: user.id, token_hash: `h-${t.id}`, expires_at: new Date(Date.now() + 1e6) });
          await trx('display_tokens').insert({ tenant_id: t.id, name: 'Wall', token_hash: `d-${t.id}` });
          await trx('idempotency_keys').insert({ tenant_id: t.id, user_id: user.id, key: 'k', request_hash: 'x' });
        });
        await store.sequence(t.id);
      }
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    it('sees zero rows of every tenant table without a tenant context', async () => {
      for (const table of TENANT_TABLES) {
        const rows = await db.knex(table).count({ count: '*' });
        expect(Number(rows[0]?.count), table).toBe(0);
      }
    });

    it("shows tenant A only its own rows in every tenant table", async () => {
      await uow.inTenant(ids.a, async ({ trx }) => {
        for (const table of TENANT_TABLES) {
          const rows = await trx(table).select('tenant_id');
          expect(rows.length, table).toBeGreaterThan(0);
          expect(rows.every((r) => r.tenant_id === ids.a), table).toBe(true);
        }
      });
    });

    it("never lets tenant A change, delete or create tenant B's rows", async () => {
      await uow.inTenant(ids.a, async ({ trx }) => {
        expect(await trx('gym_areas').where({ id: areaOf.b }).update({ name_en: 'hacked' })).toBe(0);
        expect(await trx('users').where({ id: userOf.b }).delete()).toBe(0);
      });
      await expect(
        uow.inTenant(ids.a, ({ trx }) => trx('gym_areas').insert({ tenant_id: ids.b, name_en: 'x', name_el: 'x', capacity: 1 })),
      ).rejects.toThrow(/row-level security/);
      await uow.inTenant(ids.b, async ({ trx }) => {
        const area = await trx('gym_areas').where({ id: areaOf.b }).first();
        expect(area.name_en).not.toBe('hacked');
        expect(await trx('users').where({ id: userOf.b }).first()).toBeTruthy();
      });
    });

    it('works as an app role that is neither superuser nor BYPASSRLS and cannot turn the policies off', async () => {
      const { rows } = await db.knex.raw(
        'select current_user as role, rolsuper, rolbypassrls from pg_roles where rolname = current_user',
      );
      expect(rows[0]).toEqual({ role: 'gym_app', rolsuper: false, rolbypassrls: false });
      const forced = await db.knex.raw(
        `select relname from pg_class where relname = any(?) and relrowsecurity and relforcerowsecurity`,
        [TENANT_TABLES as unknown as string[]],
      );
      expect(forced.rows.map((r: { relname: string }) => r.relname).sort()).toEqual([...TENANT_TABLES].sort());
      await expect(db.knex.raw('alter table bookings disable row level security')).rejects.toThrow(/owner|permission/);
      await expect(
        uow.inTenant(ids.a, ({ trx }) => trx.raw('set local row_security = off').then(() => trx('bookings').select())),
      ).rejects.toThrow(/row-level security/);
      if (driver === 'pg') {
        // On PostgreSQL the app logs in as the app role, so it cannot switch to a privileged one. (PGlite is
        // single-user: its session user is the owner, and the embedding process owns the files anyway.)
        await expect(db.knex.raw("select set_config('role', 'postgres', false)")).rejects.toThrow(/permission denied/);
      }
    });

    it('refuses a confirmed booking beyond booking_capacity and a double booking of one member', async () => {
      const t = ids.a;
      const f = factories(db, uow);
      const other = await f.user(t);
      const third = await f.user(t);
      const insert = (userId: string, place: number) =>
        uow.inTenant(t, ({ trx }) =>
          trx.raw(
            `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents)
             values (?, ?, ?, '2030-01-01', '10:30', 60, '2030-01-01T08:30Z', '2030-01-01T09:30Z', ?, 0)`,
            [t, userId, areaOf.a, place],
          ),
        );
      // booking_capacity is 2 and place 1 is taken by the seeded booking (08:00-09:00).
      await expect(insert(other.id, 1)).rejects.toMatchObject({ constraint: 'bookings_no_overbooking' });
      await insert(other.id, 2);
      await expect(insert(third.id, 2)).rejects.toMatchObject({ constraint: 'bookings_no_overbooking' });
      await expect(insert(third.id, 3)).rejects.toMatchObject({ constraint: 'bookings_place_in_capacity' });
      // The seeded member already holds 08:00-09:00: an overlapping booking of theirs elsewhere is refused.
      const elsewhere = await f.area(t, { booking_capacity: 5 });
      await expect(
        uow.inTenant(t, ({ trx }) =>
          trx.raw(
            `insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents)
             values (?, ?, ?, '2030-01-01', '10:30', 30, '2030-01-01T08:30Z', '2030-01-01T09:00Z', 1, 0)`,
            [t, userOf.a, elsewhere.id],
          ),
        ),
      ).rejects.toMatchObject({ constraint: 'bookings_no_double_booking' });
    });

    it('keeps current_users equal to the open visits and within 0..capacity', async () => {
      const t = ids.a;
      const f = factories(db, uow);
      const area = await f.area(t, { capacity: 2 });
      const people = [await f.user(t), await f.user(t), await f.user(t)];
      const checkIn = (userId: string) =>
        uow.inTenant(t, ({ trx }) => trx('visits').insert({ tenant_id: t, user_id: userId, gym_area_id: area.id, source: 'kiosk' }));
      const current = () => uow.inTenant(t, ({ trx }) => trx('gym_areas').where({ id: area.id }).first().then((a) => a.current_users));
      await checkIn(people[0]!.id);
      await checkIn(people[1]!.id);
      expect(await current()).toBe(2);
      await expect(checkIn(people[2]!.id)).rejects.toMatchObject({ constraint: 'gym_areas_occupancy_range' });
      await expect(
        uow.inTenant(t, ({ trx }) => trx('gym_areas').where({ id: area.id }).update({ current_users: 0 })),
      ).rejects.toMatchObject({ constraint: 'gym_areas_occupancy_derived' });
      await uow.inTenant(t, ({ trx }) =>
        trx('visits').where({ gym_area_id: area.id, user_id: people[0]!.id }).update({ checked_out_at: trx.fn.now() }),
      );
      expect(await current()).toBe(1);
      const open = await uow.inTenant(t, ({ trx }) =>
        trx('visits').where({ gym_area_id: area.id }).whereNull('checked_out_at').count({ n: '*' }),
      );
      expect(Number(open[0]!.n)).toBe(1);
    });

    it('numbers each tenant\'s committed events +1 without gaps, after commit, in the order they happened', async () => {
      committed.length = 0;
      await expect(
        uow.inTenant(ids.b, async (s) => {
          s.record('slots:changed', { area_id: areaOf.b, date: '2030-01-02' });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(committed).toHaveLength(0);
      await uow.inTenant(ids.b, async (s) => {
        s.record('slots:changed', { area_id: areaOf.b, date: '2030-01-03' });
        s.record('slots:changed', { area_id: areaOf.b, date: '2030-01-04' });
      });
      expect(committed).toEqual([ids.b]);
      const unnumbered = await uow.inTenant(ids.b, ({ trx }) => trx('events').whereNull('seq').count({ n: '*' }));
      expect(Number(unnumbered[0]!.n)).toBe(2);

      const numbered = await store.sequence(ids.b);
      expect(numbered.map((e) => [e.seq, (e.payload as { date: string }).date])).toEqual([
        [2, '2030-01-03'],
        [3, '2030-01-04'],
      ]);
      expect(await store.sequence(ids.b)).toEqual([]);
      expect(await store.lastSeq(ids.b)).toBe(3);

      // Many writers and several numberers at once: every event once, +1, each transaction's in order.
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          uow.inTenant(ids.b, async (s) => {
            s.record('slots:changed', { area_id: areaOf.b, date: `2031-01-${String(i + 1).padStart(2, '0')}` });
            s.record('slots:changed', { area_id: areaOf.b, date: `2031-02-${String(i + 1).padStart(2, '0')}` });
          }),
        ),
      );
      const runs = await Promise.all([store.sequence(ids.b), store.sequence(ids.b), store.sequence(ids.b)]);
      const all = runs.flat().sort((x, y) => x.seq - y.seq);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 4));
      for (let i = 1; i <= 12; i++) {
        const day = String(i).padStart(2, '0');
        const at = (date: string) => all.find((e) => (e.payload as { date: string }).date === date)!.seq;
        expect(at(`2031-01-${day}`)).toBeLessThan(at(`2031-02-${day}`));
      }
      // Tenant A's log is untouched by B's numbering.
      expect(await store.sequence(ids.a)).toEqual([]);
      expect(await store.lastSeq(ids.a)).toBe(1);
    });

    it('stores any text of an event exactly, and a failing event write undoes the whole unit of work', async () => {
      const odd = `it's a \\ back?slash \\? $1 ?? "quoted" \\x3f ελληνικά 😀`;
      await uow.inTenant(ids.a, async (s) => s.record('slots:changed', { area_id: areaOf.a, date: odd }));
      expect((await store.sequence(ids.a)).map((e) => (e.payload as { date: string }).date)).toEqual([odd]);

      // jsonb refuses \u0000: the events' statement fails where it travels, with the COMMIT.
      await expect(
        uow.inTenant(ids.a, async (s) => {
          await s.trx('display_tokens').insert({ tenant_id: ids.a, name: 'Undone', token_hash: 'undone-a' });
          s.record('slots:changed', { area_id: areaOf.a, date: 'nul\u0000' });
        }),
      ).rejects.toThrow();
      // Every pooled connection is usable afterwards and nothing of that unit of work was kept.
      for (let i = 0; i < 8; i++) {
        const kept = await uow.inTenant(ids.a, ({ trx }) => trx('display_tokens').where({ token_hash: 'undone-a' }).count({ n: '*' }));
        expect(Number(kept[0]!.n)).toBe(0);
      }
      expect(await store.sequence(ids.a)).toEqual([]);
    });
  });
}
