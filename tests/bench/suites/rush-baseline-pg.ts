/**
 * The bare limit of the class-release rush: the same race through `pg` alone on a scratch database with
 * the real schema (the place trigger, the no-overbooking exclusion constraint and forced RLS all run),
 * as the application role with the tenant set. Each attempt is the least a correct capacity race needs:
 * BEGIN, the slot's advisory lock (the key book_place() takes), an INSERT of the lowest free place (a
 * new statement after the lock, so it sees the previous winner), COMMIT. The attempts are sent on the
 * product rush's schedule (spread over the same window) to a pool as large as the product's pools.
 */
import bcrypt from 'bcrypt';
import pg from 'pg';
import { createMigratedDatabase } from '../lib/database.js';
import { addBenchGym, addRushClass, SLOT_MINUTES, TIMEZONE } from '../lib/fixture.js';
import { progress } from '../lib/progress.js';
import { monotonicMs } from '../lib/rush-load.js';
import { distribution, type Distribution } from '../lib/stats.js';

export interface RushPgBaseline {
  attempts: number;
  created: number;
  refused: number;
  answerMs: Distribution;
  decidedInMs: number;
  confirmedInSlot: number;
}

const LOCK = `select pg_advisory_xact_lock(hashtextextended('booking:' || $1::uuid || ':' || extract(epoch FROM ($2::date + $3::time) at time zone $4), 0))`;

const INSERT_FREE_PLACE = `
  insert into bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents, status)
  select $1, $2, $3, $4::date, $5::time, $6, s.starts, s.starts + make_interval(mins => $6), free.place, 0, 'confirmed'
    from (select ($4::date + $5::time) at time zone $7 as starts) s,
    lateral (select g as place from gym_areas a, generate_series(1, a.booking_capacity) g
              where a.id = $3 and not exists (
                select 1 from bookings b where b.gym_area_id = $3 and b.place = g and b.status = 'confirmed'
                   and b.period && tstzrange(s.starts, s.starts + make_interval(mins => $6), '[)'))
              order by g limit 1) free
  returning id`;

export async function rushPgBaseline(options: { members: number; capacity: number; poolSize: number; spreadMs: number; date: string; time: string }): Promise<RushPgBaseline> {
  progress('rush baseline pg: creating and migrating a scratch database');
  const db = await createMigratedDatabase('gym_bench_rush');
  let pool: pg.Pool | null = null;
  try {
    const tenantId = await addBenchGym(db.url);
    const rush = await addRushClass(db.url, tenantId, { capacity: options.capacity, members: options.members, passwordHash: await bcrypt.hash('unused', 4) });

    const appUrl = new URL(db.url);
    appUrl.username = 'gym_app';
    pool = new pg.Pool({ connectionString: appUrl.toString(), max: options.poolSize, options: `-c app.tenant_id=${tenantId}` });
    pool.on('error', (err) => progress(`rush baseline pg: an idle connection failed (${err.message}); the pool replaces it`));
    await Promise.all(Array.from({ length: options.poolSize }, () => pool!.query('select 1')));

    const attempt = async (userId: string): Promise<boolean> => {
      const client = await pool!.connect();
      try {
        await client.query('begin');
        await client.query(LOCK, [rush.areaId, options.date, options.time, TIMEZONE]);
        const { rowCount } = await client.query(INSERT_FREE_PLACE, [tenantId, userId, rush.areaId, options.date, options.time, SLOT_MINUTES, TIMEZONE]);
        await client.query('commit');
        return rowCount === 1;
      } catch (err) {
        await client.query('rollback');
        throw err;
      } finally {
        client.release();
      }
    };

    progress(`rush baseline pg: ${options.members.toLocaleString('en-US')} attempts on one class slot`);
    const times: number[] = [];
    let created = 0;
    const pending: Array<Promise<void>> = [];
    const start = monotonicMs();
    let sent = 0;
    while (sent < options.members) {
      const due = Math.min(options.members, Math.floor(((monotonicMs() - start) / options.spreadMs) * options.members) + 1);
      while (sent < due) {
        const m = rush.members[sent++]!;
        const t = monotonicMs();
        pending.push(attempt(m.id).then((won) => {
          times.push(monotonicMs() - t);
          if (won) created++;
        }));
      }
      if (sent < options.members) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    const decidedInMs = monotonicMs() - start;

    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    const { rows: slot } = await check.query<{ n: number }>(`select count(*)::int as n from bookings where gym_area_id = $1 and status = 'confirmed'`, [rush.areaId]);
    await check.end();
    return { attempts: options.members, created, refused: options.members - created, answerMs: distribution(times), decidedInMs, confirmedInSlot: slot[0]!.n };
  } finally {
    await pool?.end();
    await db.drop();
  }
}
