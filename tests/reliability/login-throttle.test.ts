/**
 * Password guessing as an attacker does it: truly parallel bursts of `POST /api/auth/login` for one
 * account and across accounts, and guessing from one address to keep the owner (or the platform admin)
 * out everywhere. In the embedded mode (PGlite, counters in memory) and on PostgreSQL with Redis and
 * two app instances (counters shared through Redis, the burst split between the instances). The
 * server trusts X-Forwarded-For here (TRUSTED_PROXIES: the test speaks from loopback, as a proxy would), so each test speaks from addresses of its own.
 * Figures: attempts whose password was checked, and refusals (429).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { factories } from '../support/factories.js';
import { withPostgres, withRedis } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { report } from './support/figures.js';
import { raw, type RawAnswer } from './support/raw-http.js';

const newAddress = () => `10.${[...randomBytes(3)].join('.')}`;
const tally = (answers: RawAnswer[]) => {
  const by: Record<number, number> = {};
  for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
  return by;
};

const MODES = [
  { name: 'embedded (PGlite, in memory)', driver: 'pglite' as const, redis: false, run: true },
  { name: 'PostgreSQL + Redis, two app instances', driver: 'pg' as const, redis: true, run: withPostgres && withRedis },
];

for (const mode of MODES) {
  describe.runIf(mode.run)(`login throttling under attack: ${mode.name}`, () => {
    let server: TestServer;
    let second: RunningServer | null = null;
    let demo: string;
    const urls: string[] = [];

    beforeAll(async () => {
      server = await startTestServer({ driver: mode.driver, redis: mode.redis, env: { TRUSTED_PROXIES: '127.0.0.1' } });
      urls.push(server.url);
      if (mode.redis) {
        second = await startServer(server.config, { migrate: false, seed: false });
        urls.push(second.url);
        // The counters must be the shared ones from the first attempt on.
        const deadline = Date.now() + 10_000;
        while ([server, second].some((s) => s.deps.redis?.status !== 'ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      demo = (await server.deps.uow.inPlatform((trx) => trx('tenants').where({ subdomain: 'demo' }).first('id'))).id;
    }, 240_000); // seeding the embedded database is slow on a loaded machine
    afterAll(async () => {
      await second?.close();
      await server?.stop();
    });

    const attempt = (i: number, from: string, body: Record<string, string>, lang = 'en') =>
      raw(urls[i % urls.length]!, {
        method: 'POST', path: `/api/auth/login?lang=${lang}`, headers: { 'x-forwarded-for': from }, json: body,
      });

    it('counts 60 parallel wrong logins for one account: 10 checked, 50 × 429, and the right password waits', async () => {
      const person = await factories(server.deps.db, server.deps.uow).user(demo, { password: 'right-password-1' });
      const from = newAddress();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => attempt(i, from, { tenant: 'demo', username: person.username, password: `guess-${i}` })),
      );
      const by = tally(answers);
      report(`login burst, one account (${mode.name})`, { parallel: 60, checked: by[401] ?? 0, refused_429: by[429] ?? 0, signed_in: by[200] ?? 0 });
      expect(by).toEqual({ 401: 10, 429: 50 });
      for (const a of answers.filter((x) => x.status === 429)) {
        const wait = Number(a.headers['retry-after']);
        expect(wait).toBeGreaterThan(0);
        expect(a.json.data).toEqual({ code: 'rate_limited', details: { retry_after: wait } });
        expect(a.json.message).toContain(String(wait));
      }
      // Blocked means blocked from that address, right password included; the message is in the caller's language.
      const right = await attempt(0, from, { tenant: 'demo', username: person.username, password: 'right-password-1' }, 'el');
      expect(right.status).toBe(429);
      expect(right.json.message).toMatch(/^Πάρα πολλές προσπάθειες· δοκιμάστε ξανά σε \d+ δευτ\.$/);
    });

    it('counts a parallel burst across 150 accounts from one address: 100 checked, 50 × 429', async () => {
      const from = newAddress();
      const answers = await Promise.all(
        Array.from({ length: 150 }, (_, i) => attempt(i, from, { tenant: 'demo', username: `nobody-${i}`, password: 'guess' })),
      );
      const by = tally(answers);
      report(`login burst, one address (${mode.name})`, { parallel: 150, checked: by[401] ?? 0, refused_429: by[429] ?? 0 });
      expect(by).toEqual({ 401: 100, 429: 50 });
      // Another address of the same gym is not affected.
      expect((await attempt(1, newAddress(), { tenant: 'demo', username: 'member', password: 'member123' })).status).toBe(200);
    });

    it('lets the owner and the platform admin in from another address while an attacker guesses their passwords', async () => {
      for (const [tenant, username, password] of [['demo', 'owner', 'owner123'], ['platform', 'admin', 'admin123']] as const) {
        const attacker = newAddress();
        const answers = await Promise.all(
          Array.from({ length: 15 }, (_, i) => attempt(i, attacker, { tenant, username, password: `wrong-${i}` })),
        );
        expect(tally(answers)).toEqual({ 401: 10, 429: 5 });
        const fromAttacker = await attempt(0, attacker, { tenant, username, password });
        expect(fromAttacker.status).toBe(429);
        const owner = await attempt(1, newAddress(), { tenant, username, password });
        expect(owner.status, `${tenant}/${username} from another address`).toBe(200);
        report(`lockout by a stranger (${mode.name}, ${username})`, { wrong_from_a: 15, right_from_b: owner.status });
      }
    });
  });
}
