/**
 * A closed-loop HTTP load generator: `concurrency` lanes, each on its own keep-alive connection, each
 * sending its next request as soon as the previous answer is read. Small enough to cost the server
 * machine little, and it measures what a client sees (status mix, latency, completed requests/s).
 */
import http from 'node:http';
import { distribution, type Distribution } from './stats.js';

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  completed: number;
  seconds: number;
  /** Completed requests per second (every status). */
  rate: number;
  byStatus: Record<string, number>;
  latency: Distribution;
  errors: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Stop sending after this long (lanes finish their request in flight). */
  durationMs?: number;
  /** The lane's i-th request; null ends the lane. */
  next(lane: number, i: number): LoadRequest | null;
  onResponse?(lane: number, status: number, body: string, request: LoadRequest): void;
  onProgress?(completed: number, elapsedMs: number): void;
}

export function send(agent: http.Agent, base: URL, r: LoadRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(r.body);
    }
    const req = http.request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

export async function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  const base = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let completed = 0;
  const started = performance.now();
  const until = options.durationMs ? started + options.durationMs : Infinity;
  const ticker = options.onProgress ? setInterval(() => options.onProgress!(completed, performance.now() - started), 250) : null;

  const lane = async (l: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const r = options.next(l, i);
      if (!r) return;
      const t = performance.now();
      try {
        const { status, body } = await send(agent, base, r);
        latencies.push(performance.now() - t);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        completed++;
        options.onResponse?.(l, status, body, r);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        errors[code] = (errors[code] ?? 0) + 1;
        if (Object.values(errors).reduce((a, b) => a + b, 0) > 1000) throw new Error(`too many request errors: ${JSON.stringify(errors)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, l) => lane(l)));
  } finally {
    if (ticker) clearInterval(ticker);
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return { completed, seconds, rate: completed / seconds, byStatus, latency: distribution(latencies), errors };
}
