/**
 * Webhook delivery through the product: event → receipt at a loopback receiver (one endpoint), and
 * deliveries per second to one and to 100 endpoints, next to a bare HTTP POST loop to the same receiver.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { plannedBooking, SLOT_MINUTES } from '../lib/fixture.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';
import type { Product } from './product.js';

export interface WebhookResult {
  latencyMs: Distribution;
  oneEndpointPerSecond: number;
  hundredEndpointsPerSecond: number;
  barePostsPerSecond: number;
  bareLatencyMs: Distribution;
}

function receiver() {
  const seen = new Map<string, number>();
  let count = 0;
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString())).on('end', () => {
      count++;
      const id = (JSON.parse(body) as { data?: { booking?: { id?: string } } }).data?.booking?.id;
      if (id && !seen.has(id)) seen.set(id, performance.now());
      res.end('ok');
    });
  });
  return { server, seen, received: () => count };
}

const waitFor = async (check: () => boolean, what: string, ms: number) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`webhooks: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

export async function webhookDelivery(product: Product, options: { firstDate: string; bookings: number; fanoutBookings: number; baseMs: number }): Promise<WebhookResult> {
  const rx = receiver();
  await new Promise<void>((r) => rx.server.listen(0, '127.0.0.1', r));
  const target = `http://127.0.0.1:${(rx.server.address() as AddressInfo).port}/in`;
  try {
    // The bare limit: one POST after another from 8 lanes, as the product's dispatcher has 8 per process.
    progress('webhooks: bare POST loop');
    const agent = new http.Agent({ keepAlive: true });
    const post = () => new Promise<void>((resolve, reject) => {
      const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end('{"type":"booking:created","data":{}}');
    });
    const bareTimes: number[] = [];
    let posts = 0;
    const bareEnd = performance.now() + options.baseMs;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (performance.now() < bareEnd) {
        const t = performance.now();
        await post();
        bareTimes.push(performance.now() - t);
        posts++;
      }
    }));
    agent.destroy();
    const barePostsPerSecond = posts / (options.baseMs / 1000);

    const owner = await ownerToken(product);
    const make = async () => {
      const res = await fetch(`${product.url}/api/webhooks`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
        body: JSON.stringify({ url: target, events: ['booking:created'] }),
      });
      if (res.status !== 201) throw new Error(`POST /api/webhooks answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return ((await res.json()) as { data: { id: string } }).data.id;
    };
    let j = 0;
    const started = new Map<string, number>();
    const book = async () => {
      const b = plannedBooking(product.fixture, options.firstDate, j++);
      const t = performance.now();
      const res = await fetch(`${product.url}/api/book-room`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await product.token(b.memberIndex)}` },
        body: JSON.stringify({ room_id: b.areaId, date: b.date, time: b.time, duration: SLOT_MINUTES }),
      });
      const body = (await res.json()) as { data: { booking: { id: string } } };
      if (res.status !== 201) throw new Error(`POST /api/book-room answered ${res.status}`);
      started.set(body.data.booking.id, t);
    };
    for (let i = 0; i < options.bookings; i++) await product.token(plannedBooking(product.fixture, options.firstDate, i).memberIndex);

    progress('webhooks: one endpoint, event → receipt');
    const ids = [await make()];
    const bare = rx.received();
    const t0 = performance.now();
    for (let i = 0; i < options.bookings; i++) {
      await book();
      await waitFor(() => rx.received() >= bare + i + 1, 'a receipt', 30_000);
    }
    const oneEndpointPerSecond = options.bookings / ((performance.now() - t0) / 1000);
    const latencyMs = distribution([...started].map(([id, t]) => (rx.seen.get(id) ?? NaN) - t));
    started.clear();

    progress('webhooks: 100 endpoints');
    for (let i = 1; i < 100; i++) ids.push(await make());
    const before = rx.received();
    const t1 = performance.now();
    await Promise.all(Array.from({ length: options.fanoutBookings }, book));
    const expected = before + options.fanoutBookings * 100;
    await waitFor(() => rx.received() >= expected, `${options.fanoutBookings * 100} deliveries`, 120_000);
    const hundredEndpointsPerSecond = (options.fanoutBookings * 100) / ((performance.now() - t1) / 1000);
    for (const id of ids) await fetch(`${product.url}/api/webhooks/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner}` } });
    return { latencyMs, oneEndpointPerSecond, hundredEndpointsPerSecond, barePostsPerSecond, bareLatencyMs: distribution(bareTimes) };
  } finally {
    rx.server.closeAllConnections();
    rx.server.close();
  }
}

async function ownerToken(product: Product): Promise<string> {
  const res = await fetch(`${product.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: product.fixture.subdomain, username: 'owner', password: 'owner123' }),
  });
  const body = (await res.json()) as { data: { access_token?: string } };
  if (!body.data.access_token) throw new Error(`owner login answered ${res.status}`);
  return body.data.access_token;
}
