/**
 * The product for the webhook booking part: as product.ts starts it (db/migrate.ts, db/seed.ts, the
 * bench rooms and members, backend/src/main.ts in cluster mode, NODE_ENV=production), with loopback
 * webhook destinations allowed, on a database of its own prefix: another bench run's clean-up of
 * leftover `gym_bench_*` databases on the shared PostgreSQL must not drop it mid-run.
 */
import bcrypt from 'bcrypt';
import pg from 'pg';
import { widenBookingRulesAt } from '../../support/booking-rules.js';
import { createMigratedDatabase, PRODUCTION_SECRETS, REDIS_URL, type ScratchDatabase } from '../lib/database.js';
import { addFixture, MEMBER_PASSWORD, type Fixture } from '../lib/fixture.js';
import { freePort, spawnTs, waitForHttp, type Spawned } from '../lib/proc.js';
import { progress } from '../lib/progress.js';

export interface HookedProduct {
  url: string;
  node: Spawned;
  db: ScratchDatabase;
  fixture: Fixture;
  /** Access tokens of the fixture's members, by member index. */
  tokens(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startHookedProduct(options: { workers: number; areas: number; profileDir?: string }): Promise<HookedProduct> {
  progress('webhooks on the booking path: creating and migrating the database');
  const db = await createMigratedDatabase('bench_webhooks_app');
  let node: Spawned | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env, ...PRODUCTION_SECRETS, NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL,
      WEB_CONCURRENCY: String(options.workers), HOST: '127.0.0.1', MIGRATE_ON_START: 'false', SEED_DEMO: 'false',
      LOG_LEVEL: 'warn', BCRYPT_COST: '4',
      // The receiver is on loopback, which production refuses.
      WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    progress('webhooks on the booking path: seeding the demo data (db/seed.ts)');
    const seed = spawnTs('db/seed.ts', env);
    const code = await new Promise<number | null>((resolve) => seed.child.once('exit', resolve));
    if (code !== 0) throw new Error(`db/seed.ts failed (${code}):\n${seed.tail()}`);
    await widenBookingRulesAt(db.url);
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    const { rows } = await owner.query<{ id: string }>(`select id from tenants where subdomain = 'demo'`);
    await owner.end();
    const fixture = await addFixture(db.url, rows[0]!.id, { areas: options.areas, members: options.areas, passwordHash: await bcrypt.hash(MEMBER_PASSWORD, 4) });

    const port = await freePort();
    const flags = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    node = spawnTs('backend/src/main.ts', { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` }, [], flags);
    const url = `http://127.0.0.1:${port}`;
    const spawned = node;
    try {
      await waitForHttp(`${url}/readyz`, 90_000, () => spawned.child.exitCode === null);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${spawned.tail()}`);
    }
    const login = async (username: string) => {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: fixture.subdomain, username, password: MEMBER_PASSWORD }),
      });
      const body = (await res.json()) as { data: { access_token?: string } };
      if (res.status !== 200 || !body.data.access_token) throw new Error(`login ${username} answered ${res.status}`);
      return body.data.access_token;
    };
    return {
      url, node: spawned, db, fixture,
      async tokens() {
        const out: string[] = [];
        for (let i = 0; i < fixture.members.length; i += 16) out.push(...(await Promise.all(fixture.members.slice(i, i + 16).map((m) => login(m.username)))));
        return out;
      },
      async stop() {
        await spawned.stop(20_000);
        await db.drop();
      },
    };
  } catch (err) {
    await node?.stop();
    await db.drop();
    throw err;
  }
}
