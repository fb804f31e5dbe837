/** Scratch PostgreSQL databases for the bench, migrated with the product's own script and dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { randomSecret } from '../../../backend/src/secrets.js';
import { spawnEntry } from './proc.js';

export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Secrets for the product on PostgreSQL (which refuses to run without real ones): random, per run. */
export const PRODUCTION_SECRETS = { JWT_SECRET: randomSecret(), SESSION_SECRET: randomSecret() };

export interface ScratchDatabase {
  name: string;
  /** As the owner (superuser): setup and checks. */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database and runs `db/migrate.ts` against it, as a deploy does. */
export async function createMigratedDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db: ScratchDatabase = {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
  const migrate = spawnEntry('db/migrate.ts', { ...process.env, NODE_ENV: 'production', ...PRODUCTION_SECRETS, DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  const code = await new Promise<number | null>((resolve) => migrate.child.once('exit', resolve));
  if (code !== 0) {
    await db.drop();
    throw new Error(`db/migrate.ts failed (${code}):\n${migrate.tail()}`);
  }
  return db;
}

/** Drops scratch databases a crashed earlier run left behind. */
export async function dropLeftovers(): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'gym\\_bench\\_%'`);
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  });
}
