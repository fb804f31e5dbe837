/**
 * Events reach the clients of their tenant only, once each, in seq order, shaped for the recipient;
 * clients that were away get exactly what they missed; an emit lost between commit and emit still arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { openDatabase } from '../../backend/src/db/database.js';
import { createUnitOfWork, LATER, type UnitOfWork } from '../../backend/src/db/unit-of-work.js';
import { newOpaqueToken } from '../../backend/src/modules/auth/tokens.js';
import { startServer } from '../../backend/src/server.js';
import { login, type LoginResult } from '../support/auth.js';
import { factories } from '../support/factories.js';
import { withPostgres } from '../support/services.js';
import { TEST_SECRETS } from '../support/secrets.js';
import { createTestDatabase } from '../support/test-database.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';
import { connect, range, recordEvents, recordMarked, resume, seqsOf, until, type Client } from './helpers.js';

const lastSeqOf = (uow: UnitOfWork, tenantId: string) =>
  uow.inTenant(tenantId, ({ trx }) => trx('event_counters').where({ tenant_id: tenantId }).first('last_seq')).then((r) => Number(r?.last_seq ?? 0));

describe.runIf(withPostgres)('events on one server', () => {
  let server: TestServer;
  let demo: string;
  let olympia: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const clients: Client[] = [];
  const open = async (...args: Parameters<typeof connect>) => {
    const c = await connect(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pg' });
    const logins: Array<[string, string, string, string]> = [
      ['owner', 'demo', 'owner', 'owner123'],
      ['trainer', 'demo', 'trainer', 'trainer123'],
      ['member', 'demo', 'member', 'member123'],
      ['member2', 'demo', 'member2', 'member123'],
      ['olympia', 'olympia', 'owner', 'owner123'],
    ];
    for (const [key, tenant, username, password] of logins) {
      const r: LoginResult = await login(server.url, tenant, username, password);
      tokens[key] = r.access_token;
      ids[key] = r.user.id;
    }
    const tenants = await server.deps.uow.inPlatform((trx) => trx('tenants').select('id', 'subdomain'));
    demo = tenants.find((t) => t.subdomain === 'demo')!.id;
    olympia = tenants.find((t) => t.subdomain === 'olympia')!.id;
    const display = newOpaqueToken('dt1', demo);
    await server.deps.uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Wall', token_hash: display.hash }));
    tokens.display = display.token;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });

  it('delivers every committed event to the clients of its tenant, each once, with seq +1 and at', async () => {
    const client = await open(server.url, demo, { token: tokens.owner });
    const seqs = await recordEvents(server.deps.uow, demo, 3);
    await until('three events', () => client.received.length >= 3);
    expect(client.seqs()).toEqual(seqs);
    expect(seqs[1]).toBe(seqs[0]! + 1);
    for (const { type, event } of client.received) {
      expect(type).toBe('slots:changed');
      expect(event).toMatchObject({ area_id: demo, date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      expect(new Date(event.at).toISOString()).toBe(event.at);
    }
    client.close();
  });

  it("never lets a client of tenant A connect to, or receive anything of, tenant B", async () => {
    const a = await open(server.url, demo, { token: tokens.member });
    const b = await open(server.url, olympia, { token: tokens.olympia });
    await expect(connect(server.url, olympia, { token: tokens.member })).rejects.toThrow('forbidden');
    await recordEvents(server.deps.uow, olympia, 5, olympia);
    const [own] = await recordEvents(server.deps.uow, demo, 1);
    await until('own event and the other tenant\'s', () => a.received.length >= 1 && b.received.length >= 5);
    expect(a.seqs()).toEqual([own]);
    expect(JSON.stringify(a.received)).not.toContain(olympia);
    expect(b.received.every((r) => r.event.area_id === olympia)).toBe(true);
    a.close();
    b.close();
  });

  it("keeps every member's and display's payload free of any other member's identity", async () => {
    const f = factories(server.deps.db, server.deps.uow);
    const area = await f.area(demo, { booking_capacity: 10, capacity: 50, slot_minutes: 60 });
    const date = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
    const owner = await open(server.url, demo, { token: tokens.owner });
    const trainer = await open(server.url, demo, { token: tokens.trainer });
    const booker = await open(server.url, demo, { token: tokens.member });
    const other = await open(server.url, demo, { token: tokens.member2 });
    const wall = await open(server.url, demo, { token: tokens.display });

    const slots = await api(server.url, 'GET', `/api/available-slots/${area.id}?date=${date}`, { token: tokens.member });
    expect(slots.status).toBe(200);
    const slot = slots.body.data.slots.find((s: { available: boolean }) => s.available);
    const booked = await api(server.url, 'POST', '/api/book-room', { token: tokens.member, body: { room_id: area.id, date, time: slot.start } });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.data.booking.id;
    const cancelled = await api(server.url, 'POST', '/api/cancel-booking', { token: tokens.member, body: { booking_id: bookingId } });
    expect(cancelled.status).toBe(200);

    const everyone = [owner, trainer, booker, other, wall];
    const bookingEvents = (c: Client) => c.received.filter((r) => r.type.startsWith('booking:'));
    await until('both booking events everywhere', () => everyone.every((c) => bookingEvents(c).length >= 2));
    for (const c of [owner, trainer, booker]) {
      expect(bookingEvents(c).map((r) => r.type)).toEqual(['booking:created', 'booking:cancelled']);
      for (const { event } of bookingEvents(c)) expect(event.booking).toMatchObject({ id: bookingId, area_id: area.id, user_id: ids.member });
    }
    for (const c of [other, wall]) {
      expect(bookingEvents(c).map((r) => r.type)).toEqual(['booking:created', 'booking:cancelled']);
      for (const { event } of bookingEvents(c)) {
        expect(Object.keys(event.booking).sort()).toEqual(['area_id', 'date', 'duration', 'id', 'start_time', 'status']);
        expect(event.booking).toMatchObject({ id: bookingId, area_id: area.id, date, start_time: slot.start });
      }
      const everything = JSON.stringify(c.received);
      expect(everything).not.toContain(ids.member);
      expect(everything).not.toContain('"member"');
    }
    // Everyone got the same events in the same order, only shaped differently.
    const seqs = owner.seqs();
    for (const c of everyone) expect(c.seqs()).toEqual(seqs);
    for (const c of everyone) c.close();
  });

  it('gives a client that was away exactly the 50 events it missed, in order, before live ones', async () => {
    const first = await open(server.url, demo, { token: tokens.member });
    const [seen] = await recordEvents(server.deps.uow, demo, 1);
    await until('the first event', () => first.received.length === 1);
    first.close();

    const missed = await recordEvents(server.deps.uow, demo, 50);
    const back = await open(server.url, demo, { token: tokens.member, since: seen });
    const live = await recordEvents(server.deps.uow, demo, 2);
    await until('52 events', () => back.received.length >= 52);
    expect(back.seqs()).toEqual([...missed, ...live]);
    expect(missed).toEqual(range(seen!, seen! + 50));
    back.close();
  });

  it('replays a long absence page by page, every event once and in order', async () => {
    const since = await lastSeqOf(server.deps.uow, demo);
    await server.deps.uow.inTenant(demo, async (s) => {
      for (let i = 0; i < 1234; i++) s.record('slots:changed', { area_id: demo, date: '2030-02-01' });
    });
    const client = await open(server.url, demo, { token: tokens.display, since });
    await until('1234 replayed events', () => client.received.length >= 1234, 20_000);
    expect(client.seqs()).toEqual(range(since, since + 1234));
    client.close();
  });

  it('answers resume with every event after since, in order, then the last seq', async () => {
    const client = await open(server.url, demo, { token: tokens.trainer });
    const before = await lastSeqOf(server.deps.uow, demo);
    await recordEvents(server.deps.uow, demo, 5);
    await until('five live events', () => client.received.length >= 5);
    client.received.length = 0;
    const ack = await resume(client, before);
    expect(ack).toEqual({ success: true, data: { last_seq: before + 5 } });
    expect(client.seqs()).toEqual(range(before, before + 5));

    const bad = await resume(client, -1 as number);
    expect(bad.success).toBe(false);
    expect(bad.data.code).toBe('invalid_input');
    const ahead = await resume(client, before + 1000);
    expect(ahead).toEqual({ success: true, data: { last_seq: before + 5 } });
    client.close();
  });

  it('refuses a flood of resumes on one connection and answers the ones it runs', async () => {
    const client = await open(server.url, demo, { token: tokens.member });
    await recordEvents(server.deps.uow, demo, 3);
    const last = await lastSeqOf(server.deps.uow, demo);
    await until('the live events', () => client.received.at(-1)?.event.seq === last);
    const answers = await Promise.all(Array.from({ length: 10 }, () => resume(client, 0)));
    const ran = answers.filter((a) => a.success);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(2);
    for (const a of ran) expect(a.data).toEqual({ last_seq: last });
    for (const a of answers.filter((x) => !x.success)) expect(a.data.code).toBe('rate_limited');
    client.close();
  });

  it('delivers concurrent transactions in seq order, whatever order their emits come in', async () => {
    const client = await open(server.url, demo, { token: tokens.owner });
    const before = await lastSeqOf(server.deps.uow, demo);
    await Promise.all(
      Array.from({ length: 15 }, () =>
        server.deps.uow.inTenant(demo, async (s) => {
          s.record('slots:changed', { area_id: demo, date: '2030-01-02' });
          s.record('slots:changed', { area_id: demo, date: '2030-01-03' });
        }),
      ),
    );
    await until('thirty events', () => client.received.length >= 30);
    expect(client.seqs()).toEqual(range(before, before + 30));
    client.close();
  });

  it('still delivers an event whose emit was lost between commit and emit, alone or before later ones', async () => {
    // A unit of work whose publisher never runs: the process "died" right after commit.
    const crashed = createUnitOfWork(server.deps.db, LATER);
    const client = await open(server.url, demo, { token: tokens.member2 });
    const [lostAlone] = await recordEvents(crashed, demo, 1);
    await until('the swept event', () => client.received.length >= 1);
    expect(client.seqs()).toEqual([lostAlone]);

    const [lostFirst] = await recordEvents(crashed, demo, 1);
    const [live] = await recordEvents(server.deps.uow, demo, 1);
    await until('the lost and the live event', () => client.received.length >= 3);
    expect(client.seqs()).toEqual([lostAlone, lostFirst, live]);

    // Numbered but never emitted (the process died right after numbering): the sweeper emits it too.
    await recordMarked(crashed, demo, 1);
    const numbered = (await server.realtime.store.sequence(demo)).map((e) => e.seq);
    expect(numbered).toHaveLength(1);
    await until('the numbered, never emitted event', () => client.received.length >= 4);
    expect(client.seqs()).toEqual([lostAlone, lostFirst, live, numbered[0]]);
    await until('the log to mark them published', async () => {
      const counter = await server.deps.uow.inTenant(demo, ({ trx }) => trx('event_counters').first('last_seq', 'published_seq'));
      return Number(counter.published_seq) === Number(counter.last_seq);
    });
    client.close();
  });
});

describe.runIf(withPostgres)('a server restart', () => {
  it('loses no event: a client resumes from the new server and gets everything committed meanwhile', async () => {
    const database = await createTestDatabase();
    const env = { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', SEED_DEMO: 'true', LOG_LEVEL: 'silent', DATABASE_URL: database.url, ...TEST_SECRETS };
    let server = await startServer(loadConfig(env));
    try {
      const owner = await login(server.url, 'demo', 'owner', 'owner123');
      const demo = owner.user.tenant_id!;
      const client = await connect(server.url, demo, { token: owner.access_token });
      const before = await recordEvents(server.deps.uow, demo, 3);
      await until('three events', () => client.received.length >= 3);
      let reason = '';
      client.socket.on('disconnect', (r) => {
        reason = r;
      });
      await server.close();
      await until('the server to send the client away', () => reason !== '');

      // Other nodes keep committing while this one is down.
      const other = await openDatabase(loadConfig(env).database, { migrate: false });
      const meanwhileDates = await recordMarked(createUnitOfWork(other, LATER), demo, 4);
      await other.close();

      server = await startServer(loadConfig(env));
      const meanwhile = await seqsOf(server.deps.uow, demo, meanwhileDates);
      const back = await connect(server.url, demo, { token: owner.access_token, since: client.seqs().at(-1) });
      const after = await recordEvents(server.deps.uow, demo, 2);
      await until('every event', () => back.received.length >= 6);
      expect([...client.seqs(), ...back.seqs()]).toEqual([...before, ...meanwhile, ...after]);
      expect([...before, ...meanwhile, ...after]).toEqual(range(before[0]! - 1, before[0]! + 8));
      back.close();
    } finally {
      await server.close();
      await database.drop();
    }
  });
});

describe('events on the embedded database (PGlite)', () => {
  it('delivers live events and replays missed ones in order', async () => {
    const server = await startTestServer({ driver: 'pglite' });
    try {
      const owner = await login(server.url, 'demo', 'owner', 'owner123');
      const demo = owner.user.tenant_id!;
      const live = await connect(server.url, demo, { token: owner.access_token });
      const first = await recordEvents(server.deps.uow, demo, 2);
      await until('two live events', () => live.received.length >= 2);
      expect(live.seqs()).toEqual(first);
      live.close();
      const missed = await recordEvents(server.deps.uow, demo, 5);
      const back = await connect(server.url, demo, { token: owner.access_token, since: first.at(-1) });
      await until('five replayed events', () => back.received.length >= 5);
      expect(back.seqs()).toEqual(missed);
      back.close();
    } finally {
      await server.stop();
    }
  });
});
