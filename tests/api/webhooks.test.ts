/**
 * Webhooks against a real receiver on a loopback port: every request's signature is verified with the
 * standardwebhooks library, as an integrator would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../../backend/src/modules/webhooks/outbound.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { requireService } from '../support/services.js';

interface Received { id: string; type: string; seq: number | null; body: Record<string, any>; verified: boolean }

/** A receiver whose answers the test scripts (default 200), keeping every request it verified. */
function receiver() {
  const got: Received[] = [];
  let secret = '';
  let answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      let verified = false;
      try {
        new Webhook(secret).verify(raw, req.headers as Record<string, string>);
        verified = true;
      } catch { /* recorded as not verified */ }
      const body = JSON.parse(raw) as Record<string, any>;
      got.push({ id: String(req.headers['webhook-id']), type: body.type, seq: body.data?.seq ?? null, body, verified });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  return {
    got, server,
    setSecret: (s: string) => { secret = s; },
    answer: (...codes: number[]) => { answers = codes; },
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
  };
}

const until = async (check: () => boolean, what: string, ms = 15_000, refresh?: () => Promise<void>) => {
  const end = Date.now() + ms;
  for (;;) {
    await refresh?.();
    if (check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const ok = await requireService('postgres');

describe.skipIf(!ok)('webhooks', () => {
  let gym: GymFixture;
  const rx = receiver();
  let room: { id: string; slot_minutes: number };
  let day = 10;
  const book = async () => {
    const r = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: room.id, date: athensDate(day++), time: '10:00', duration: room.slot_minutes } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.data.booking as { id: string };
  };
  const endpoint = async (events: string[] = ['booking:*', 'slots:changed']) => {
    const r = await gym.call('POST', '/api/webhooks', { token: gym.tokens.owner, body: { url: rx.url(), events, description: 'test receiver' } });
    expect(r.status).toBe(201);
    rx.setSecret(r.body.data.secret);
    return r.body.data as { id: string; secret: string; last_seq: number };
  };

  beforeAll(async () => {
    await new Promise<void>((r) => rx.server.listen(0, '127.0.0.1', r));
    gym = await startGym({ env: { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SECONDS: '0.1,0.1,0.1', WEBHOOK_TIMEOUT_MS: '2000' } });
    room = { ...(await gym.f.area(gym.demo, { booking_capacity: 50, slot_minutes: 60 })), slot_minutes: 60 };
  });
  afterAll(async () => {
    await gym?.stop();
    rx.server.close();
  });

  it('sends every matching event signed, in seq order, with the booking as staff see it', async () => {
    const e = await endpoint();
    expect(e.secret).toMatch(/^whsec_/);
    const member = await gym.call('GET', '/api/webhooks', { token: gym.tokens.member });
    expect(member.status).toBe(403);
    const booked = [await book(), await book(), await book()];
    await until(() => rx.got.filter((g) => g.type === 'booking:created').length >= 3, 'three bookings');
    await until(() => rx.got.length >= 6, 'their slot changes');
    expect(rx.got.every((g) => g.verified)).toBe(true);
    const seqs = rx.got.map((g) => g.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(rx.got.map((g) => g.id)).size).toBe(rx.got.length);
    expect(rx.got.filter((g) => g.type === 'booking:created').map((g) => g.body.data.booking.id)).toEqual(booked.map((b) => b.id));
    expect(rx.got[0]!.body.data.booking.user_id).toBe(gym.users.member);
    await gym.call('DELETE', `/api/webhooks/${e.id}`, { token: gym.tokens.owner });
  });

  it('sends a failed event again with the same webhook-id, and logs every attempt', async () => {
    rx.got.length = 0;
    const e = await endpoint(['booking:created']);
    rx.answer(500, 503);
    await book();
    await until(() => rx.got.length >= 3, 'two retries');
    expect(new Set(rx.got.map((g) => g.id)).size).toBe(1);
    const attempts = async () => (await gym.call('GET', `/api/webhooks/${e.id}/deliveries`, { token: gym.tokens.owner })).body.data as unknown[];
    let log: unknown[] = [];
    await until(() => log.length >= 3, 'three logged attempts', 15_000, async () => { log = await attempts(); });
    expect((log as Array<{ outcome: string; status_code: number }>).map((d) => [d.outcome, d.status_code]))
      .toEqual([['delivered', 200], ['retrying', 503], ['retrying', 500]]);
    await gym.call('DELETE', `/api/webhooks/${e.id}`, { token: gym.tokens.owner });
  });

  it('recovers every matching event after a seq, again and in order', async () => {
    rx.got.length = 0;
    const e = await endpoint(['booking:created']);
    const since = e.last_seq;
    await book();
    await book();
    await until(() => rx.got.length >= 2, 'two bookings');
    const firstIds = rx.got.map((g) => g.id);
    const r = await gym.call('POST', `/api/webhooks/${e.id}/recover`, { token: gym.tokens.owner, body: { since } });
    expect(r.status).toBe(202);
    await until(() => rx.got.length >= 4, 'the recovered events');
    expect(rx.got.map((g) => g.id)).toEqual([...firstIds, ...firstIds]);
    const beyond = await gym.call('POST', `/api/webhooks/${e.id}/recover`, { token: gym.tokens.owner, body: { since: 10_000_000 } });
    expect(beyond.status).toBe(422);
    await gym.call('DELETE', `/api/webhooks/${e.id}`, { token: gym.tokens.owner });
  });

  it('stops at once for a disabled endpoint; 410 disables one and says why', async () => {
    rx.got.length = 0;
    const off = await endpoint(['booking:created']);
    await gym.call('PATCH', `/api/webhooks/${off.id}`, { token: gym.tokens.owner, body: { enabled: false } });
    const gone = await endpoint(['booking:created']);
    rx.answer(410);
    const b = await book();
    await until(() => rx.got.length >= 1, 'the 410');
    let after: { enabled?: boolean } = {};
    await until(() => after.enabled === false, 'the endpoint disabled', 15_000, async () => {
      after = (await gym.call('GET', `/api/webhooks/${gone.id}`, { token: gym.tokens.owner })).body.data;
    });
    expect(after).toMatchObject({ enabled: false, disabled_reason: 'gone', last_status: 410 });
    // One receipt in all: the disabled endpoint was never sent the booking.
    expect(rx.got.map((g) => g.body.data.booking.id)).toEqual([b.id]);
    const third = await endpoint(['booking:created']);
    const later = await book();
    await until(() => rx.got.length >= 2, 'the next endpoint');
    expect(rx.got.map((g) => g.body.data.booking.id)).toEqual([b.id, later.id]);
    for (const id of [off.id, gone.id, third.id]) await gym.call('DELETE', `/api/webhooks/${id}`, { token: gym.tokens.owner });
  });

  it('sends a signed test event and rotates the secret with the old one signing beside it', async () => {
    rx.got.length = 0;
    const e = await endpoint(['booking:created']);
    const test = await gym.call('POST', `/api/webhooks/${e.id}/test`, { token: gym.tokens.owner });
    expect(test.status).toBe(202);
    expect(test.body.data, JSON.stringify(test.body)).toMatchObject({ outcome: 'test', status_code: 200 });
    expect(rx.got[0]).toMatchObject({ type: 'webhook:test', verified: true });
    const rotated = await gym.call('POST', `/api/webhooks/${e.id}/rotate-secret`, { token: gym.tokens.owner });
    expect(rotated.body.data.secret).not.toBe(e.secret);
    await gym.call('POST', `/api/webhooks/${e.id}/test`, { token: gym.tokens.owner });
    // The receiver still knows only the old secret, and it still verifies; the new one does too.
    expect(rx.got[1]).toMatchObject({ type: 'webhook:test', verified: true });
    rx.setSecret(rotated.body.data.secret);
    await gym.call('POST', `/api/webhooks/${e.id}/test`, { token: gym.tokens.owner });
    expect(rx.got[2]).toMatchObject({ verified: true });
    await gym.call('DELETE', `/api/webhooks/${e.id}`, { token: gym.tokens.owner });
  });

  it('opens to an API key with webhooks:manage only', async () => {
    const make = async (scopes: string[]) => (await gym.call('POST', '/api/api-keys', { token: gym.tokens.owner, body: { name: `k ${scopes.join(' ')}`, scopes } })).body.data.key as string;
    const manage = await make(['webhooks:manage']);
    const read = await make(['bookings:read']);
    expect((await gym.call('GET', '/api/webhooks', { token: manage })).status).toBe(200);
    const refused = await gym.call('GET', '/api/webhooks', { token: read });
    expect(refused.status).toBe(403);
    expect(refused.body.data.code).toBe('insufficient_scope');
  });
});

describe.skipIf(!ok)('webhook destinations where private ones are not allowed', () => {
  let gym: GymFixture;
  beforeAll(async () => {
    gym = await startGym({ env: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
  });
  afterAll(() => gym?.stop());

  it('refuses loopback, private and plain-http URLs with a translated field error', async () => {
    for (const url of ['https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://[::1]/x', 'https://169.254.169.254/latest', 'http://example.com/x', 'https://localhost/x']) {
      const r = await gym.call('POST', '/api/webhooks?lang=el', { token: gym.tokens.owner, body: { url, events: ['booking:created'] } });
      expect(r.status, url).toBe(422);
      expect(r.body.data).toMatchObject({ code: 'webhook_destination_refused', details: { field: 'url' } });
      expect(r.body.message).toMatch(/https/);
    }
  });

  it('never connects to a name that resolves to a private address', async () => {
    const local = http.createServer((_req, res) => res.end('should not be reached'));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    const port = (local.address() as AddressInfo).port;
    let reached = false;
    local.on('request', () => { reached = true; });
    const refused = await postWebhook(`http://localhost:${port}/x`, '{}', {}, { timeoutMs: 2000, allowPrivate: false });
    const allowed = await postWebhook(`http://localhost:${port}/x`, '{}', {}, { timeoutMs: 2000, allowPrivate: true });
    local.close();
    expect(refused).toMatchObject({ status: null, error: 'destination_refused' });
    expect(allowed.status).toBe(200);
    expect(reached).toBe(true);
  });
});
