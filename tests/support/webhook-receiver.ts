/**
 * A real webhook receiver on a loopback port: verifies every request's signature with the
 * `standardwebhooks` library (a request that fails verification is recorded as such and answered
 * 400), records what arrived, and answers what the test tells it to (a status per request, a delay,
 * or being down). Also notes when two requests for one endpoint overlap.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  type: string;
  seq: number | null;
  body: { type: string; timestamp: string; data: Record<string, any> };
  verified: boolean;
  status: number;
}

export interface Receiver {
  url: string;
  port: number;
  /** Requests, in arrival order, with the status answered. */
  received: Received[];
  /** Of the answered 2xx, the event seqs per path in arrival order. */
  delivered(path?: string): number[];
  /** Secrets per path (endpoint); set once the endpoint exists. */
  secrets: Map<string, string[]>;
  /** Answers for the next requests to a path (status, optional headers); afterwards 200. */
  answer(path: string, ...answers: Array<{ status: number; headers?: Record<string, string> }>): void;
  /** Each request waits this long before answering. */
  delayMs: number;
  /** Overlapping requests to one path seen (must stay 0). */
  overlaps: number;
  close(): Promise<void>;
  /** Stops listening (connections refused) and listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const inFlight = new Map<string, number>();
  const queued = new Map<string, Array<{ status: number; headers?: Record<string, string> }>>();
  const self: Receiver = {
    url: '', port: 0, received: [], secrets: new Map(), delayMs: 0, overlaps: 0,
    answer: (path, ...list) => void queued.set(path, [...(queued.get(path) ?? []), ...list]),
    delivered: (path) => self.received.filter((r) => r.status < 300 && r.verified && (!path || r.path === path) && r.seq !== null).map((r) => r.seq!),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    down: async () => self.close(),
    up: async () => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(self.port, '127.0.0.1', () => resolve());
      });
    },
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const running = (inFlight.get(path) ?? 0) + 1;
      inFlight.set(path, running);
      if (running > 1) self.overlaps++;
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const secrets = self.secrets.get(path) ?? [];
      let verified = false;
      for (const secret of secrets) {
        try {
          new Webhook(secret).verify(raw, headers);
          verified = true;
        } catch { /* next */ }
      }
      const body = JSON.parse(raw) as Received['body'];
      const answer = verified ? (queued.get(path)?.shift() ?? { status: 200 }) : { status: 400 };
      self.received.push({
        path, id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'],
        type: body.type, seq: typeof body.data?.seq === 'number' ? body.data.seq : null, body, verified, status: answer.status,
      });
      setTimeout(() => {
        inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.status < 300 ? 'ok' : 'not now');
      }, self.delayMs);
    });
  };
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  self.port = (server.address() as AddressInfo).port;
  self.url = `http://127.0.0.1:${self.port}`;
  return self;
}

/** Polls until `check` holds (or fails after `ms` with `what`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
