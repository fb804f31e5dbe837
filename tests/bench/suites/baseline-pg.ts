/**
 * The bare limit of the booking write: the same INSERT the product makes, through `pg` alone, on a
 * scratch database with the real schema (so the exclusion constraints, the place trigger and the
 * forced row-level security all run), as the application role with the tenant set per connection,
 * with as many connections as the product's pools have together. One statement per booking, no
 * transaction around it, no event log: what PostgreSQL itself can do on this machine.
 */
import bcrypt from 'bcrypt';
import pg from 'pg';
import { createMigratedDatabase } from '../lib/database.js';
import { addBenchGym, addFixture, plannedBooking, raceSlot, TIMEZONE, SLOT_MINUTES, type Fixture } from '../lib/fixture.js';
import { progress } from '../lib/progress.js';

export interface PgBaseline {
  uncontendedPerSecond: number;
  /**
   * The product's write set without the product: BEGIN, the INSERT, one append_events() with a
   * booking's two events (booking:created, slots:changed), COMMIT. (The product numbers events after
   * commit, many commits per numbering run under load; that run is not in this figure.)
   */
  withEventsPerSecond: number;
  /**
   * The same INSERT one at a time on one connection: every commit waits for its own WAL flush. The
   * ceiling of any design in which one tenant's commits go one after another.
   */
  serialCommitsPerSecond: number;
  /** Decided attempts per second (one winner, the rest refused by the exclusion constraint). */
  contendedPerSecond: number;
  contendedWinners: number;
  contendedRounds: number;
  /** Losers that PostgreSQL aborted as deadlocked rather than refused by the constraint. */
  contendedDeadlocks: number;
}

/**
 * For the race the same INSERT takes the room's row lock first (in one statement, as the product takes it
 * first in its transaction): racing exclusion checks without it deadlock, and each deadlock costs
 * PostgreSQL's deadlock_timeout (1 s), which is no limit worth comparing with.
 */
const RACE_INSERT = `
  with room as (select id from gym_areas where id = $3 for update)
  insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
  select $1, $2, room.id, $4::date, $5::time, $6,
         ($4::date + $5::time) at time zone $7,
         ($4::date + $5::time) at time zone $7 + make_interval(mins => $6), 1, 0, 'confirmed'
    from room
  returning id`;

const INSERT = `
  insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
  values ($1, $2, $3, $4::date, $5::time, $6,
          ($4::date + $5::time) at time zone $7,
          ($4::date + $5::time) at time zone $7 + make_interval(mins => $6), 1, 0, 'confirmed')
  returning id`;

export async function pgBaseline(options: { poolSize: number; concurrency: number; durationMs: number; firstDate: string }): Promise<PgBaseline> {
  const db = await createMigratedDatabase('gym_bench_base');
  let pool: pg.Pool | null = null;
  try {
    const tenantId = await addBenchGym(db.url);
    const fixture: Fixture = await addFixture(db.url, tenantId, {
      areas: 128,
      members: 128 + options.concurrency,
      passwordHash: await bcrypt.hash('unused', 4),
    });

    const appUrl = new URL(db.url);
    appUrl.username = 'gym_app';
    pool = new pg.Pool({ connectionString: appUrl.toString(), max: options.poolSize, options: `-c app.tenant_id=${tenantId}` });
    // An idle connection the server closes is the pool's to replace, not a reason to end the run.
    pool.on('error', (err) => progress(`baseline pg: an idle connection failed (${err.message}); the pool replaces it`));
    await Promise.all(Array.from({ length: options.poolSize }, () => pool!.query('select 1')));

    // Uncontended: every insert wants its own slot.
    let next = 0;
    let done = 0;
    const started = performance.now();
    const until = started + options.durationMs;
    const ticker = setInterval(() => progress(`baseline pg INSERT: ${done.toLocaleString('en-US')} bookings`), 250);
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) {
          const b = plannedBooking(fixture, options.firstDate, next++);
          await pool!.query(INSERT, [tenantId, fixture.members[b.memberIndex]!.id, b.areaId, b.date, b.time, SLOT_MINUTES, TIMEZONE]);
          done++;
        }
      }),
    );
    clearInterval(ticker);
    const uncontendedPerSecond = done / ((performance.now() - started) / 1000);

    // One at a time: the WAL flush of each commit, with nothing to share it with.
    done = 0;
    const serialStart = performance.now();
    while (performance.now() < serialStart + options.durationMs / 2) {
      const b = plannedBooking(fixture, options.firstDate, next++);
      await pool.query(INSERT, [tenantId, fixture.members[b.memberIndex]!.id, b.areaId, b.date, b.time, SLOT_MINUTES, TIMEZONE]);
      done++;
      if (done % 50 === 0) progress(`baseline pg INSERT, one at a time: ${done.toLocaleString('en-US')}`);
    }
    const serialCommitsPerSecond = done / ((performance.now() - serialStart) / 1000);

    // The same, with the tenant's event log in the same transaction.
    done = 0;
    const evStart = performance.now();
    const evUntil = evStart + options.durationMs;
    const evTicker = setInterval(() => progress(`baseline pg INSERT + event log: ${done.toLocaleString('en-US')} bookings`), 250);
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < evUntil) {
          const b = plannedBooking(fixture, options.firstDate, next++);
          const client = await pool!.connect();
          try {
            await client.query('begin');
            const { rows: inserted } = await client.query<{ id: string }>(INSERT, [tenantId, fixture.members[b.memberIndex]!.id, b.areaId, b.date, b.time, SLOT_MINUTES, TIMEZONE]);
            const booking = { id: inserted[0]!.id, area_id: b.areaId, date: b.date, start_time: b.time, duration: SLOT_MINUTES, status: 'confirmed' };
            await client.query('select append_events($1::jsonb)', [
              JSON.stringify([
                { type: 'booking:created', payload: { booking } },
                { type: 'slots:changed', payload: { area_id: b.areaId, date: b.date } },
              ]),
            ]);
            await client.query('commit');
          } catch (err) {
            await client.query('rollback');
            throw err;
          } finally {
            client.release();
          }
          done++;
        }
      }),
    );
    clearInterval(evTicker);
    const withEventsPerSecond = done / ((performance.now() - evStart) / 1000);

    // Contended: all lanes race for one slot, round after round.
    const racers = fixture.members.slice(128);
    let attempts = 0;
    let winners = 0;
    let rounds = 0;
    let deadlocks = 0;
    const raceStart = performance.now();
    const raceUntil = raceStart + options.durationMs;
    while (performance.now() < raceUntil) {
      const slot = raceSlot(options.firstDate, rounds++);
      const results = await Promise.allSettled(
        racers.map((m) => pool!.query(RACE_INSERT, [tenantId, m.id, fixture.raceAreaId, slot.date, slot.time, SLOT_MINUTES, TIMEZONE])),
      );
      attempts += results.length;
      for (const r of results) {
        if (r.status === 'fulfilled') winners++;
        // Racing exclusion checks may also deadlock; PostgreSQL aborts one and it loses like the others.
        else if ((r.reason as { code?: string }).code === '40P01') deadlocks++;
        else if ((r.reason as { code?: string }).code !== '23P01') throw r.reason;
      }
      progress(`baseline pg INSERT, one slot raced by ${racers.length}: ${rounds} rounds`);
    }
    const contendedPerSecond = attempts / ((performance.now() - raceStart) / 1000);
    return { uncontendedPerSecond, withEventsPerSecond, serialCommitsPerSecond, contendedPerSecond, contendedWinners: winners, contendedRounds: rounds, contendedDeadlocks: deadlocks };
  } finally {
    await pool?.end();
    await db.drop();
  }
}
