/**
 * The product under test: a fresh PostgreSQL database migrated by db/migrate.ts and seeded by
 * db/seed.ts plus the bench fixture, and one node (`backend/src/main.ts`) in server mode: a cluster
 * primary with WORKERS workers sharing the port, the Redis adapter, NODE_ENV=production.
 */
import bcrypt from 'bcrypt';
import pg from 'pg';
import { widenBookingRulesAt } from '../../support/booking-rules.js';
import { createMigratedDatabase, PRODUCTION_SECRETS, REDIS_URL, type ScratchDatabase } from '../lib/database.js';
import { addFixture, addRushClass, addTenants, MEMBER_PASSWORD, type Fixture, type RushClass } from '../lib/fixture.js';
import { builtServer, freePort, spawnEntry, waitForHttp, type Spawned } from '../lib/proc.js';
import { progress } from '../lib/progress.js';

export interface Product {
  url: string;
  port: number;
  node: Spawned;
  db: ScratchDatabase;
  fixture: Fixture;
  nsp: string;
  /** Access tokens of the fixture's members, by member index (logged in on demand). */
  token(memberIndex: number): Promise<string>;
  /** More gyms, each with its own rooms and members, for bookings spread over tenants. */
  tenants: Fixture[];
  /** The class-release rush's class and members, in the demo gym (when asked for). */
  rush?: RushClass;
  /** An access token of a member of any bench gym. */
  login(subdomain: string, username: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startProduct(options: {
  workers: number;
  areas: number;
  members: number;
  logLevel: string;
  /** Write a V8 CPU profile of every product process (primary and workers) into this folder. */
  profileDir?: string;
  /** Extra gyms (each `areasPerTenant` rooms and as many members). */
  tenants: number;
  areasPerTenant: number;
  /** A class of this many places and this many members of its own (suites/rush.ts). */
  rush?: { capacity: number; members: number };
  /** More of the product's environment (e.g. loopback webhook destinations). */
  env?: NodeJS.ProcessEnv;
  /**
   * The scratch database's name prefix: a run's clean-up drops leftover `gym_bench_*` databases, so a part
   * that must survive another run's start on a shared PostgreSQL takes another one.
   */
  databasePrefix?: string;
}): Promise<Product> {
  progress('product: creating and migrating its database');
  const db = await createMigratedDatabase(options.databasePrefix ?? 'gym_bench_app');
  let node: Spawned | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...PRODUCTION_SECRETS,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_URL,
      WEB_CONCURRENCY: String(options.workers),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'false',
      SEED_DEMO: 'false',
      LOG_LEVEL: options.logLevel,
      BCRYPT_COST: '4',
      // The bench's thousands of sockets sign in as a few members: lift the per-person cap above them.
      SOCKETS_PER_PERSON: '10000',
      ...options.env,
    };
    progress('product: seeding the demo data (db/seed.ts)');
    const seed = spawnEntry('db/seed.ts', env);
    const code = await new Promise<number | null>((resolve) => seed.child.once('exit', resolve));
    if (code !== 0) throw new Error(`db/seed.ts failed (${code}):\n${seed.tail()}`);

    // The bench books far ahead and many times per member: the demo gyms get the test suite's wide rules.
    await widenBookingRulesAt(db.url);
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    const { rows } = await owner.query<{ id: string }>(`select id from tenants where subdomain = 'demo'`);
    await owner.end();
    const tenantId = rows[0]!.id;
    progress('product: adding the bench rooms and members');
    const passwordHash = await bcrypt.hash(MEMBER_PASSWORD, 4);
    const fixture = await addFixture(db.url, tenantId, { areas: options.areas, members: options.members, passwordHash });
    const rush = options.rush ? await addRushClass(db.url, tenantId, { ...options.rush, passwordHash }) : undefined;
    const tenants = await addTenants(db.url, tenantId, { tenants: options.tenants, areas: options.areasPerTenant, members: options.areasPerTenant, passwordHash });

    const port = await freePort();
    progress(`product: starting backend/src/main.ts with ${options.workers} workers on port ${port}`);
    // Cluster workers inherit the primary's node flags, so every process writes its profile on exit.
    const flags = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    node = spawnEntry(builtServer(), { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` }, [], flags);
    const url = `http://127.0.0.1:${port}`;
    const alive = () => node!.child.exitCode === null;
    try {
      await waitForHttp(`${url}/readyz`, 90_000, alive);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${node.tail()}`);
    }

    const tokens = new Map<string, Promise<string>>();
    const login = (subdomain: string, username: string): Promise<string> => {
      const key = `${subdomain}/${username}`;
      if (!tokens.has(key)) {
        tokens.set(key, (async () => {
          const res = await fetch(`${url}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tenant: subdomain, username, password: MEMBER_PASSWORD }),
          });
          const body = (await res.json()) as { data: { access_token?: string } };
          if (res.status !== 200 || !body.data.access_token) throw new Error(`login ${key} answered ${res.status}: ${JSON.stringify(body)}`);
          return body.data.access_token;
        })());
      }
      return tokens.get(key)!;
    };
    const spawned = node;
    return {
      url,
      port,
      node: spawned,
      db,
      fixture,
      nsp: `/tenant/${tenantId}`,
      tenants,
      rush,
      login,
      token: (i) => login(fixture.subdomain, fixture.members[i]!.username),
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
