/**
 * The statements webhook delivery runs (webhook_claim, webhook_record), on both drivers, without a
 * dispatcher: subscriptions match in SQL exactly what matchingEventTypes says; a success leases the
 * next event in the same statement; a lease lost meanwhile (the owner disabled or rewound the
 * endpoint) is logged but moves nothing; an endpoint claimed is not claimed again until its lease ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, loadDatabaseConfig } from '../../backend/src/config.js';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_SUBSCRIPTIONS, matchingEventTypes } from '../../backend/src/contracts/webhooks.js';
import { openDatabase, sqlLiteral, type Database } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { claimDue, recordAttempt, type Claim } from '../../backend/src/modules/webhooks/delivery.js';
import type { PostResult } from '../../backend/src/modules/webhooks/outbound.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const config = loadConfig({ NODE_ENV: 'test', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_SECONDS: '1,2' }).webhooks;
const answered = (status: number | null): PostResult => ({ status, latencyMs: 3, excerpt: status ? 'ok\u0000' : null, error: status ? null : 'ECONNREFUSED', retryAfterSeconds: null });

for (const driver of ['pg', 'pglite'] as const) {
  describe.runIf(driver === 'pglite' || withPostgres)(`webhook delivery statements (${driver})`, () => {
    let database: TestDatabase | undefined;
    let db: Database;
    let uow: UnitOfWork;
    let gym: string;

    beforeAll(async () => {
      database = driver === 'pg' ? await createTestDatabase() : undefined;
      db = await openDatabase(loadDatabaseConfig(database ? { DATABASE_URL: database.url } : { DATA_DIR: 'memory://' }).database, { migrate: true });
      uow = createUnitOfWork(db, LATER);
      gym = (await factories(db, uow).tenant()).id;
    }, 60_000);
    afterAll(async () => {
      await db?.close();
      await database?.drop();
    });

    /** Appends events of these types to the gym's log and numbers them; answers their seqs. */
    const events = async (types: readonly string[]) => {
      await uow.statementInScope(gym, `select append_events(${sqlLiteral(JSON.stringify(types.map((type) => ({ type, payload: {} }))))}::jsonb)`);
      return (await uow.statementInScope<{ seq: number }>(gym, 'select seq from sequence_events(5000)')).map((r) => Number(r.seq));
    };
    const endpoint = async (events: string[]) => {
      const [row] = await uow.inTenant(gym, ({ trx }) => trx('webhook_endpoints').insert({
        tenant_id: gym, url: 'http://127.0.0.1:9/', events, secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        last_seq: trx.raw('coalesce((select last_seq from event_counters where tenant_id = ?), 0)', [gym]),
      }).returning('id'));
      return (row as { id: string }).id;
    };
    const state = (id: string) => uow.inTenant(gym, ({ trx }) => trx('webhook_endpoints').where({ id }).first());
    const log = (id: string) => uow.inTenant(gym, ({ trx }) => trx('webhook_deliveries').where({ endpoint_id: id }).orderBy('attempted_at').select('seq', 'outcome', 'response_excerpt'));

    it('walks exactly the events each subscription matches, in seq order', async () => {
      const ids = await Promise.all(WEBHOOK_SUBSCRIPTIONS.map((s) => endpoint([s])));
      const seqs = await events([...WEBHOOK_EVENT_TYPES, 'not:declared', ...WEBHOOK_EVENT_TYPES]);
      const typeOf = new Map(seqs.map((seq, i) => [seq, [...WEBHOOK_EVENT_TYPES, 'not:declared', ...WEBHOOK_EVENT_TYPES][i]!]));
      const walked = new Map<string, string[]>();
      let claims = await claimDue(uow, config, gym, 100);
      expect(claims).toHaveLength(WEBHOOK_SUBSCRIPTIONS.length);
      while (claims.length) {
        const next: Claim[] = [];
        for (const c of claims) {
          expect(c.event.type).toBe(typeOf.get(c.event.seq));
          walked.set(c.endpointId, [...(walked.get(c.endpointId) ?? []), c.event.type]);
          const more = await recordAttempt(uow, config, c, answered(200), true);
          if (more) next.push(more);
        }
        claims = next;
      }
      WEBHOOK_SUBSCRIPTIONS.forEach((s, i) => {
        const want = matchingEventTypes([s]);
        expect(walked.get(ids[i]!), s).toEqual([...want, ...want]);
      });
      // Every cursor stands at the log's end, and nothing is due.
      for (const id of ids) expect(Number((await state(id)).last_seq)).toBe(seqs.at(-1));
      expect(await claimDue(uow, config, gym, 100)).toEqual([]);
    });

    it('leases an endpoint once, retries a failure later, and moves nothing when the lease was lost', async () => {
      const id = await endpoint(['occupancy']);
      const [first, second] = await events(['occupancy', 'occupancy']);
      const [claim] = await claimDue(uow, config, gym, 10, [id]);
      expect(claim).toMatchObject({ endpointId: id, attempt: 1, event: { seq: first } });
      // Leased: not due for another claim, in this process or any other.
      expect(await claimDue(uow, config, gym, 10, [id])).toEqual([]);

      expect(await recordAttempt(uow, config, claim!, answered(null), true)).toBeNull();
      expect(await state(id)).toMatchObject({ attempts: 1, lease_id: null, last_error: 'ECONNREFUSED', last_seq: first! - 1 });
      expect(new Date((await state(id)).next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 500);

      // Due again (the retry's time passed): the owner rewinds it while the post is in flight.
      await uow.inTenant(gym, ({ trx }) => trx('webhook_endpoints').where({ id }).update({ next_attempt_at: trx.raw('clock_timestamp()') }));
      const [retry] = await claimDue(uow, config, gym, 10, [id]);
      expect(retry).toMatchObject({ attempt: 2, event: { seq: first } });
      await uow.inTenant(gym, ({ trx }) => trx('webhook_endpoints').where({ id }).update({ lease_id: null, last_seq: first! - 1, next_attempt_at: trx.raw('clock_timestamp()') }));
      expect(await recordAttempt(uow, config, retry!, answered(200), true)).toBeNull();
      expect(await state(id)).toMatchObject({ last_seq: first! - 1, lease_id: null });
      expect((await log(id)).map((r) => [Number(r.seq), r.outcome])).toEqual([[first, 'retrying'], [first, 'delivered']]);

      // Claimed again, a success leases the next event at once, and the last one moves the cursor on.
      const [again] = await claimDue(uow, config, gym, 10, [id]);
      const next = await recordAttempt(uow, config, again!, answered(204), true);
      expect(next).toMatchObject({ endpointId: id, attempt: 1, event: { seq: second }, failingSince: null });
      expect((await state(id)).lease_id).toBe(next!.leaseId);
      expect(await recordAttempt(uow, config, next!, answered(200), true)).toBeNull();
      expect(await state(id)).toMatchObject({ last_seq: second, attempts: 0, lease_id: null, failing_since: null, last_status: 200 });
      // A NUL in an answer cannot travel in SQL text: it is dropped from the excerpt.
      expect((await log(id)).at(-1)!.response_excerpt).toBe('ok');
    });
  });
}
