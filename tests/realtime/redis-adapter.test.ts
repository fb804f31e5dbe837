/**
 * Two servers on one database and one Redis, in both adapter modes: an event committed on one reaches
 * the clients of the other through Redis, in order, and stays inside its tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { login } from '../support/auth.js';
import { REDIS_URL, withPostgres, withRedis } from '../support/services.js';
import { TEST_SECRETS } from '../support/secrets.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { connect, recordEvents, until } from './helpers.js';

for (const sharded of [true, false]) {
  describe.runIf(withPostgres && withRedis)(`two servers with the ${sharded ? 'sharded' : 'classic'} Redis adapter`, () => {
    let database: TestDatabase;
    let a: RunningServer;
    let b: RunningServer;

    beforeAll(async () => {
      database = await createTestDatabase();
      const env = {
        NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', LOG_LEVEL: 'silent',
        DATABASE_URL: database.url, REDIS_URL, REDIS_SHARDED: String(sharded), ...TEST_SECRETS,
      };
      // No sweeper and no settling re-read: Redis is the only way for A to hear of B's events.
      const realtime = { sweeper: false, settleMs: 600_000 };
      a = await startServer(loadConfig({ ...env, SEED_DEMO: 'true' }), { realtime });
      b = await startServer(loadConfig({ ...env, SEED_DEMO: 'false' }), { migrate: false, realtime });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('carries an event committed on one server to the clients of the other, in order', async () => {
      const owner = await login(a.url, 'demo', 'owner', 'owner123');
      const olympia = await login(a.url, 'olympia', 'owner', 'owner123');
      const demo = owner.user.tenant_id!;
      const onA = await connect(a.url, demo, { token: owner.access_token });
      const onB = await connect(b.url, demo, { token: owner.access_token });
      const otherTenant = await connect(a.url, olympia.user.tenant_id!, { token: olympia.access_token });
      const seqs = await recordEvents(b.deps.uow, demo, 10);
      await until('ten events on both servers', () => onA.received.length >= 10 && onB.received.length >= 10);
      expect(onA.seqs()).toEqual(seqs);
      expect(onB.seqs()).toEqual(seqs);
      expect(otherTenant.received).toEqual([]);
      for (const c of [onA, onB, otherTenant]) c.close();
    });
  });
}
