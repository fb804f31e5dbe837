/**
 * The long suite's world: a private PostgreSQL and Redis, the product's cluster on them (primary and
 * two workers, demo data seeded by the primary), and a direct database handle for arranging data and
 * reading the truth afterwards.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../../backend/src/config.js';
import { openDatabase, type Database } from '../../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../../backend/src/db/unit-of-work.js';
import { newOpaqueToken, signAccessToken } from '../../../backend/src/modules/auth/tokens.js';
import { TEST_SECRETS } from '../../support/secrets.js';
import { createDatabaseOn, privatePostgres, privateRedis, startProductCluster, type PrivatePostgres, type PrivateRedis, type ProductCluster } from '../../support/processes.js';

/** Scales the long suite's sizes (RELIABILITY_SCALE=0.05 while developing); 1 gives the documented figures. */
export const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
export const scaled = (n: number, min = 1) => Math.max(min, Math.round(n * SCALE));

export interface LongFixture {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  cluster: ProductCluster;
  db: Database;
  uow: UnitOfWork;
  jwt: Config['jwt'];
  demo: string;
  ownerToken: string;
  /** A display token of demo: read-only and never expires, for long-lived listeners. */
  displayToken: string;
  lastSeq(tenantId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startLongFixture(options: { workers?: number; env?: Record<string, string> } = {}): Promise<LongFixture> {
  const pg = await privatePostgres();
  let redis: PrivateRedis | undefined;
  let cluster: ProductCluster | undefined;
  try {
    const url = await createDatabaseOn(pg.url, 'gymflow_reliability');
    redis = await privateRedis();
    cluster = await startProductCluster({ DATABASE_URL: url, REDIS_URL: redis.url, WEB_CONCURRENCY: options.workers ?? 2, extra: options.env });
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, ...TEST_SECRETS });
    const db = await openDatabase(config.database, { migrate: false });
    const uow = createUnitOfWork(db, LATER);
    const demo = (await uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id as string;
    const owner = await uow.inTenant(demo, ({ trx }) => trx('users').where({ role: 'owner', username: 'owner' }).first('id'));
    const display = newOpaqueToken('dt1', demo);
    await uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Reliability wall', token_hash: display.hash }));
    const fixture: LongFixture = {
      pg, redis, cluster, db, uow, jwt: config.jwt, demo,
      ownerToken: signAccessToken(config.jwt, { sub: owner.id, tid: demo, role: 'owner', usr: 'owner', loc: 'en', fam: randomUUID() }).token,
      displayToken: display.token,
      lastSeq: (tenantId) => uow.inTenant(tenantId, async ({ trx }) => Number((await trx('events').max({ m: 'seq' }))[0]?.m ?? 0)),
      async stop() {
        await cluster?.stop();
        await db.close().catch(() => undefined);
        await redis?.kill();
        await pg.stop();
      },
    };
    return fixture;
  } catch (err) {
    await cluster?.stop();
    await redis?.kill();
    await pg.stop();
    throw err;
  }
}
