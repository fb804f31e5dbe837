/**
 * Webhooks as an integrator meets them: a real receiver on a loopback port verifies every request with
 * the standardwebhooks library. Bookings arrive signed and in seq order; a failed attempt comes again
 * with the same webhook-id; a disabled endpoint stops at once; rotation signs with both secrets;
 * recovery replays in order; only the owner manages endpoints, only in their own gym.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../backend/src/modules/webhooks/outbound.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';
import { startTestServer } from '../support/test-server.js';
import { startReceiver, until, type Receiver } from '../support/webhook-receiver.js';
import { login } from '../support/auth.js';

const FAST = { WEBHOOK_RETRY_SECONDS: '0.05,0.1,0.1', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '2000' };

describe.runIf(withPostgres)('webhooks', () => {
  let gym: GymFixture;
  let receiver: Receiver;

  beforeAll(async () => {
    [gym, receiver] = await Promise.all([startGym({ env: FAST }), startReceiver()]);
  });
  afterAll(async () => {
    await gym?.stop();
    await receiver?.close();
  });

  /** A new endpoint on its own receiver path; the receiver learns its secret. */
  const endpoint = async (path: string, events: string[] = ['occupancy', 'booking:*']) => {
    const res = await gym.call('POST', '/api/webhooks', { token: gym.tokens.owner, body: { url: `${receiver.url}${path}`, events, description: path } });
    expect(res.status).toBe(201);
    receiver.secrets.set(path, [res.body.data.secret]);
    return res.body.data as { id: string; secret: string; last_seq: number };
  };
  /** Events of the demo gym through the product's own unit of work and publisher. */
  const occupancy = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await gym.server.deps.uow.inTenant(gym.demo, async (scope) => scope.record('occupancy', { area_id: '00000000-0000-4000-8000-000000000001', current_users: i, capacity: 99 }));
    }
  };
  const lastSeq = async () => Number((await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('event_counters').first('last_seq')))?.last_seq ?? 0);

  it('delivers a booking signed, with its events in seq order and the secret shown only once', async () => {
    const created = await endpoint('/booking');
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const listed = await gym.call('GET', '/api/webhooks', { token: gym.tokens.owner });
    expect(JSON.stringify(listed.body)).not.toContain(created.secret.slice(6));

    const area = await gym.f.area(gym.demo, { booking_capacity: 2, slot_minutes: 60, capacity: 50 });
    await gym.server.deps.uow.inTenant(gym.demo, ({ trx }) => trx('gym_areas').where({ id: area.id }).update({
      opening_hours: JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]))),
    }));
    const booked = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: area.id, date: athensDate(3), time: '10:00', duration: 60 } });
    expect(booked.status).toBe(201);
    await occupancy(5);
    await until('the booking and 5 occupancy events', () => receiver.delivered('/booking').length >= 6);

    const got = receiver.received.filter((r) => r.path === '/booking');
    expect(got.every((r) => r.verified)).toBe(true);
    const booking = got.find((r) => r.type === 'booking:created')!;
    // The staff view: the booking's user is there (the endpoint is the owner's).
    expect(booking.body.data.booking).toMatchObject({ id: booked.body.data.booking.id, area_id: area.id, user_id: gym.users.member });
    expect(booking.id).toBe(`evt_${gym.demo.replaceAll('-', '')}_${booking.seq}`);
    const seqs = receiver.delivered('/booking');
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    // slots:changed was not subscribed.
    expect(got.some((r) => r.type === 'slots:changed')).toBe(false);
  });

  it('sends a failed event again with the same webhook-id, and logs every attempt', async () => {
    const { id } = await endpoint('/retry', ['occupancy']);
    receiver.answer('/retry', { status: 500 }, { status: 503, headers: { 'retry-after': '0' } });
    await occupancy(2);
    await until('both events delivered', () => receiver.delivered('/retry').length >= 2);
    const got = receiver.received.filter((r) => r.path === '/retry');
    expect(got.map((r) => r.status)).toEqual([500, 503, 200, 200]);
    expect(new Set(got.slice(0, 3).map((r) => r.id)).size).toBe(1);
    expect(got[3]!.seq).toBe(got[0]!.seq! + 1);

    const log = await gym.call('GET', `/api/webhooks/${id}/deliveries`, { token: gym.tokens.owner });
    expect(log.status).toBe(200);
    const attempts = log.body.data.filter((d: { seq: number }) => d.seq === got[0]!.seq).reverse();
    expect(attempts.map((a: { attempt: number; outcome: string; status_code: number }) => [a.attempt, a.outcome, a.status_code]))
      .toEqual([[1, 'retrying', 500], [2, 'retrying', 503], [3, 'delivered', 200]]);
    expect(attempts[0].response_excerpt).toBe('not now');
  });

  it('gives an event up after the last retry and goes on with the next', async () => {
    await endpoint('/give-up', ['occupancy']);
    receiver.answer('/give-up', ...Array.from({ length: 4 }, () => ({ status: 500 })));
    await occupancy(2);
    await until('the second event', () => receiver.delivered('/give-up').length >= 1);
    const got = receiver.received.filter((r) => r.path === '/give-up');
    expect(got.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
    expect(got[4]!.seq).toBe(got[0]!.seq! + 1);
  });

  it('disables an endpoint that answers 410 and says why', async () => {
    const { id } = await endpoint('/gone', ['occupancy']);
    receiver.answer('/gone', { status: 410 });
    await occupancy(1);
    await until('the endpoint disabled', async () => (await gym.call('GET', `/api/webhooks/${id}`, { token: gym.tokens.owner })).body.data.enabled === false);
    const got = await gym.call('GET', `/api/webhooks/${id}`, { token: gym.tokens.owner });
    expect(got.body.data).toMatchObject({ enabled: false, disabled_reason: 'gone', last_status: 410 });
  });

  it('stops a disabled endpoint at once and resumes from its cursor when enabled', async () => {
    const { id } = await endpoint('/pause', ['occupancy']);
    await occupancy(1);
    await until('the first event', () => receiver.delivered('/pause').length === 1);
    expect((await gym.call('PATCH', `/api/webhooks/${id}`, { token: gym.tokens.owner, body: { enabled: false } })).status).toBe(200);
    const before = receiver.received.filter((r) => r.path === '/pause').length;
    await occupancy(3);
    // Another endpoint that wants the same events gets them: the dispatcher has run meanwhile.
    const watcher = await endpoint('/pause-watch', ['occupancy']);
    await occupancy(1);
    // At least: the three events above may be numbered only after the watcher's cursor was set.
    await until('the watcher', () => receiver.delivered('/pause-watch').length >= 1);
    await gym.server.webhooks.pass();
    expect(receiver.received.filter((r) => r.path === '/pause').length).toBe(before);
    expect(watcher.id).not.toBe(id);

    await gym.call('PATCH', `/api/webhooks/${id}`, { token: gym.tokens.owner, body: { enabled: true } });
    await until('the backlog', () => receiver.delivered('/pause').length === 5);
    const seqs = receiver.delivered('/pause');
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('signs with the old and the new secret after a rotation', async () => {
    const { id, secret } = await endpoint('/rotate', ['occupancy']);
    const rotated = await gym.call('POST', `/api/webhooks/${id}/rotate-secret`, { token: gym.tokens.owner });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).not.toBe(secret);
    receiver.secrets.set('/rotate', [rotated.body.data.secret]);
    await occupancy(1);
    await until('a delivery', () => receiver.delivered('/rotate').length === 1);
    const last = receiver.received.filter((r) => r.path === '/rotate').at(-1)!;
    expect(last.signature.split(' ')).toHaveLength(2);
    // Verified with the new secret alone; the old one verifies it too.
    receiver.secrets.set('/rotate', [secret]);
    await occupancy(1);
    await until('a second delivery', () => receiver.delivered('/rotate').length === 2);
  });

  it('delivers every matching event after seq N again, in order, on recover', async () => {
    const { id, last_seq: start } = await endpoint('/recover', ['occupancy']);
    await occupancy(3);
    await until('three events', () => receiver.delivered('/recover').length === 3);
    const first = receiver.delivered('/recover');
    const res = await gym.call('POST', `/api/webhooks/${id}/recover`, { token: gym.tokens.owner, body: { since: start } });
    expect(res.status).toBe(202);
    await until('the replay', () => receiver.delivered('/recover').length === 6);
    expect(receiver.delivered('/recover')).toEqual([...first, ...first]);
    const ahead = await gym.call('POST', `/api/webhooks/${id}/recover`, { token: gym.tokens.owner, body: { since: (await lastSeq()) + 10 } });
    expect(ahead.status).toBe(400);
    expect(ahead.body.data.details[0].path).toEqual(['since']);
  });

  it('sends a signed test event and answers the attempt', async () => {
    const { id } = await endpoint('/test');
    const res = await gym.call('POST', `/api/webhooks/${id}/test`, { token: gym.tokens.owner });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ outcome: 'test', status_code: 200, seq: null, event_type: 'webhook:test' });
    expect(receiver.received.find((r) => r.path === '/test')).toMatchObject({ verified: true, type: 'webhook:test' });
  });

  it('refuses bad input next to its field, in the caller language', async () => {
    const res = await gym.call('POST', '/api/webhooks', { token: gym.tokens.owner, headers: { 'accept-language': 'el' }, body: { url: 'ftp://x', events: ['nope'] } });
    expect(res.status).toBe(400);
    const paths = res.body.data.details.map((d: { path: string[] }) => d.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['url', 'events.0']));
    expect(res.body.data.details.find((d: { path: string[] }) => d.path[0] === 'url').message).toMatch(/https/);
  });

  it('lets only the owner manage webhooks, and only in the own gym', async () => {
    const { id } = await endpoint('/private');
    for (const token of [gym.tokens.member, gym.tokens.trainer, gym.tokens.display]) {
      expect((await gym.call('GET', '/api/webhooks', { token })).status).toBe(403);
      expect((await gym.call('POST', '/api/webhooks', { token, body: { url: 'https://example.com/', events: ['occupancy'] } })).status).toBe(403);
      expect((await gym.call('GET', `/api/webhooks/${id}/deliveries`, { token })).status).toBe(403);
    }
    const other = gym.tokens.olympiaOwner;
    expect((await gym.call('GET', '/api/webhooks', { token: other })).body.data.some((w: { id: string }) => w.id === id)).toBe(false);
    for (const [method, path, body] of [
      ['GET', `/api/webhooks/${id}`], ['GET', `/api/webhooks/${id}/deliveries`], ['PATCH', `/api/webhooks/${id}`, { enabled: false }],
      ['POST', `/api/webhooks/${id}/rotate-secret`], ['POST', `/api/webhooks/${id}/test`], ['POST', `/api/webhooks/${id}/recover`, { since: 0 }],
      ['DELETE', `/api/webhooks/${id}`],
    ] as const) {
      expect((await gym.call(method, path, { token: other, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await gym.call('GET', `/api/webhooks/${id}`, { token: gym.tokens.owner })).body.data.enabled).toBe(true);
    expect((await gym.call('DELETE', `/api/webhooks/${id}`, { token: gym.tokens.owner })).status).toBe(200);
    expect((await gym.call('GET', `/api/webhooks/${id}`, { token: gym.tokens.owner })).status).toBe(404);
  });
});

describe.runIf(withPostgres)('webhook destinations in production', () => {
  it('refuses loopback and private addresses, at creation and at connect', async () => {
    const server = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
    const receiver = await startReceiver();
    try {
      const { access_token: token } = await login(server.url, 'demo', 'owner', 'owner123');
      const call = (url: string) => fetch(`${server.url}/api/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url, events: ['occupancy'] }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
      for (const url of [`https://127.0.0.1:${receiver.port}/`, 'https://localhost/', 'https://10.1.2.3/', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/', `${receiver.url}/`]) {
        const res = await call(url);
        expect(res.status, url).toBe(400);
        expect(res.body.data.details[0].path, url).toEqual(['url']);
      }
      // The connect-time check, for names that resolve to loopback later (DNS rebinding).
      const refused = await postJson(`https://localhost:${receiver.port}/`, '{}', {}, { timeoutMs: 1000, allowPrivate: false });
      expect(refused).toMatchObject({ status: null, error: expect.stringMatching(/refused/) });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
      await server.stop();
    }
  });
});

describe('webhooks on the embedded database (PGlite)', () => {
  it('disables an endpoint that keeps failing past the limit, and says why', async () => {
    const gym = await startGym({ driver: 'pglite', env: { ...FAST, WEBHOOK_RETRY_SECONDS: '0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05', WEBHOOK_DISABLE_AFTER_HOURS: '0.0001' } });
    const receiver = await startReceiver();
    try {
      const res = await gym.call('POST', '/api/webhooks', { token: gym.tokens.owner, body: { url: `${receiver.url}/failing`, events: ['occupancy'] } });
      expect(res.status).toBe(201);
      receiver.secrets.set('/failing', [res.body.data.secret]);
      receiver.answer('/failing', ...Array.from({ length: 50 }, () => ({ status: 500 })));
      await gym.server.deps.uow.inTenant(gym.demo, async (scope) => scope.record('occupancy', { area_id: '00000000-0000-4000-8000-000000000001', current_users: 1, capacity: 9 }));
      const read = async () => (await gym.call('GET', `/api/webhooks/${res.body.data.id}`, { token: gym.tokens.owner })).body.data;
      await until('the endpoint disabled', async () => (await read()).enabled === false);
      expect(await read()).toMatchObject({ enabled: false, disabled_reason: 'failing', last_status: 500, failing_since: expect.any(String) });
      expect(receiver.received.every((r) => r.verified && r.status === 500)).toBe(true);
      const log = await gym.call('GET', `/api/webhooks/${res.body.data.id}/deliveries`, { token: gym.tokens.owner });
      expect(log.body.data[0].outcome).toBe('disabled');
      // The log keeps 30 days: a pass a month later empties it, and the endpoint stays.
      const { pruneWebhookLog } = await import('../../backend/src/modules/webhooks/webhooks.jobs.js');
      expect((await pruneWebhookLog(gym.server.deps, new Date(Date.now() + 31 * 86_400_000))).deleted).toBe(log.body.data.length);
      expect((await gym.call('GET', `/api/webhooks/${res.body.data.id}/deliveries`, { token: gym.tokens.owner })).body.data).toEqual([]);
      expect((await read()).disabled_reason).toBe('failing');
    } finally {
      await receiver.close();
      await gym.stop();
    }
  });
});
