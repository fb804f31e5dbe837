/**
 * Idempotency under fire: for every creating POST that the OpenAPI document marks with an
 * Idempotency-Key, 50 identical requests with one key at the same instant, over two app instances on one
 * database, create exactly one row and all get the same answer; the same key with another body is
 * refused and creates nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres } from '../support/services.js';
import { report } from './support/figures.js';
import { operations, sample } from './support/openapi.js';
import { athensDay, openArea, people } from './support/people.js';
import { raw } from './support/raw-http.js';
import { startTwoServers, type TwoServers } from './support/two-servers.js';

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

interface Creator {
  table: string;
  token(): Promise<string>;
  body(): Promise<Record<string, unknown>>;
  /** The same request with something different. */
  other(body: Record<string, unknown>): Record<string, unknown>;
}

describe.runIf(withPostgres)('Idempotency-Key with 50 simultaneous identical requests', () => {
  let servers: TwoServers;
  let doc: any;
  let day = 40;

  beforeAll(async () => {
    servers = await startTwoServers();
    doc = (await raw(servers.gym.url, { method: 'GET', path: '/api/openapi.json' })).json;
  });
  afterAll(async () => servers?.stop());

  const creators = (): Record<string, Creator> => {
    const { gym } = servers;
    const uow = gym.server.deps.uow;
    const member = async () => (await people(uow, gym.server.config.jwt, gym.demo, 1))[0]!;
    const area = () => openArea(uow, gym.demo, { booking_capacity: 3, capacity: 100 });
    const booking: Creator = {
      table: 'bookings',
      token: async () => (await member()).token,
      body: async () => ({ room_id: (await area()).id, date: athensDay(day++), time: '10:00' }),
      other: (b) => ({ ...b, time: '11:00' }),
    };
    return {
      'POST /api/book-room': booking,
      'POST /api/bookings': booking,
      'POST /api/waitlist': {
        table: 'waitlist_entries',
        token: async () => (await member()).token,
        body: async () => {
          // A full exclusive court: its one place booked by someone else.
          const court = await openArea(uow, gym.demo, { booking_capacity: 1, capacity: 4 });
          const date = athensDay(day++);
          const taken = await raw(servers.url(0), { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${(await member()).token}` }, json: { room_id: court.id, date, time: '10:00' } });
          expect(taken.status).toBe(201);
          return { room_id: court.id, date, time: '10:00' };
        },
        other: (b) => ({ ...b, duration: 120 }),
      },
      'POST /api/visits': {
        table: 'visits',
        token: async () => gym.tokens.owner,
        body: async () => ({ user_id: (await member()).id, area_id: (await area()).id }),
        other: (b) => ({ ...b, source: 'kiosk' }),
      },
      'POST /api/start-workout': {
        table: 'workout_sessions',
        token: async () => (await member()).token,
        body: async () => ({ program_id: (await gym.f.program(gym.demo)).id, area_id: (await area()).id }),
        other: (b) => ({ program_id: b.program_id }),
      },
      'POST /api/areas': {
        table: 'gym_areas',
        token: async () => gym.tokens.owner,
        body: async () => ({ name_en: `Idem ${randomUUID().slice(0, 6)}`, name_el: 'Ταυτό', capacity: 12 }),
        other: (b) => ({ ...b, capacity: 13 }),
      },
      'POST /api/programs': {
        table: 'workout_programs',
        token: async () => gym.tokens.trainer,
        body: async () => ({ name_en: `Idem ${randomUUID().slice(0, 6)}`, name_el: 'Ταυτό', difficulty: 'beginner', est_minutes: 30, kcal_per_hour: 300, exercises: [] }),
        other: (b) => ({ ...b, est_minutes: 31 }),
      },
      'POST /api/members': {
        table: 'users',
        token: async () => gym.tokens.owner,
        body: async () => ({ username: `idem-${randomUUID().slice(0, 8)}`, password: 'Tundra-Lilac-Quartz-63' }),
        other: (b) => ({ ...b, username: `${b.username}x` }),
      },
    };
  };

  it('creates one row and gives one answer on every creating route', async () => {
    const { gym } = servers;
    const ops = operations(doc).filter((o) => o.idempotent);
    const table = creators();
    const problems: string[] = [];
    let requests = 0;
    let generic = 0;
    for (const op of ops) {
      const key = `${op.method} ${op.template}`;
      // A creating route without a case here still gets the test, with a body built from its schema:
      // 50 identical requests must change the database exactly as much as one.
      const c = table[key] ?? (generic++, {
        table: '*',
        token: async () => gym.tokens.owner,
        body: async () => sample(doc, op.body, { uuid: () => undefined }) as Record<string, unknown>,
        other: () => sample(doc, op.body, { uuid: () => undefined }) as Record<string, unknown>,
      });
      const token = await c.token();
      const body = await c.body();
      const count = () => gym.server.deps.uow.inTenant(gym.demo, async ({ trx }) => {
        const tables = c.table === '*' ? ['users', 'gym_areas', 'workout_programs', 'bookings', 'workout_sessions', 'visits', 'display_tokens'] : [c.table];
        let n = 0;
        for (const t of tables) n += Number((await trx(t).count({ n: '*' }))[0]!.n);
        return n;
      });
      let expected = 1;
      if (c.table === '*') {
        const once = await count();
        await raw(servers.url(0), { method: op.method, path: op.template, headers: { authorization: `Bearer ${token}`, 'idempotency-key': `idem-${randomUUID()}` }, json: c.other(body) });
        expected = (await count()) - once;
      }
      const before = await count();
      const idemKey = `idem-${randomUUID()}`;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          raw(servers.url(i), { method: op.method, path: op.template, headers: { authorization: `Bearer ${token}`, 'idempotency-key': idemKey }, json: body }),
        ),
      );
      requests += 50;
      const created = (await count()) - before;
      const statuses = new Set(answers.map((a) => a.status));
      // One answer means the same content; key order is not part of JSON's meaning (the stored copy is jsonb).
      const datas = new Set(answers.map((a) => canonical(a.json?.data)));
      const firsts = answers.filter((a) => a.headers['idempotent-replayed'] !== 'true').length;
      if (created !== expected) problems.push(`${key}: ${created} rows created, one request creates ${expected}`);
      if (statuses.size !== 1 || (c.table !== '*' && !statuses.has(201))) problems.push(`${key}: statuses ${[...statuses].join(',')} ${answers.find((a) => a.status !== 201)?.text.slice(0, 200)}`);
      if (datas.size !== 1) problems.push(`${key}: ${datas.size} different answers: ${[...datas].join(" <> ").slice(0, 900)}`);
      if (firsts !== 1 && statuses.has(201)) problems.push(`${key}: ${firsts} answers not marked as replays`);

      const conflicting = await raw(servers.url(1), { method: op.method, path: op.template, headers: { authorization: `Bearer ${token}`, 'idempotency-key': idemKey }, json: c.other(body) });
      requests++;
      if (statuses.has(201) && conflicting.status !== 422 || conflicting.json?.data?.code !== 'idempotency_conflict') problems.push(`${key}: same key, other body answered ${conflicting.status} ${conflicting.text.slice(0, 160)}`);
      if ((await count()) - before !== expected) problems.push(`${key}: the refused request created a row`);
    }
    report('idempotency (50 simultaneous per route)', { routes: ops.length, routes_with_generic_bodies: generic, requests, problems: problems.length });
    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps keys apart per user: the same key from another member books again', async () => {
    const { gym } = servers;
    const [p, q] = await people(gym.server.deps.uow, gym.server.config.jwt, gym.demo, 2);
    const area = await openArea(gym.server.deps.uow, gym.demo, { booking_capacity: 3 });
    const body = { room_id: area.id, date: athensDay(60), time: '10:00' };
    const first = await raw(servers.url(0), { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${p!.token}`, 'idempotency-key': 'same-key' }, json: body });
    const second = await raw(servers.url(1), { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${q!.token}`, 'idempotency-key': 'same-key' }, json: body });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.json.data.booking.id).not.toBe(first.json.data.booking.id);
    expect(second.json.data.booking.user_id).toBe(q!.id);
  });
});
