/** The bare limit of the HTTP path: a bare Koa JSON endpoint in a 2-worker cluster, under the same client load as the bookings. */
import { runHttpLoad, type LoadResult } from '../lib/http-load.js';
import { freePort, spawnEntry } from '../lib/proc.js';
import { progress } from '../lib/progress.js';

export async function koaBaseline(options: { workers: number; concurrency: number; durationMs: number }): Promise<LoadResult> {
  const port = await freePort();
  const server = spawnEntry('tests/bench/servers/bare-koa.ts', { ...process.env, PORT: String(port), WORKERS: String(options.workers) });
  try {
    await server.waitForLine(/^ready$/, 30_000);
    const body = JSON.stringify({ room_id: '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3', date: '2026-12-01', time: '10:00', duration: 30 });
    return await runHttpLoad({
      url: `http://127.0.0.1:${port}`,
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      next: () => ({ method: 'POST', path: '/api/book-room', body, headers: { authorization: 'Bearer x'.padEnd(300, 'x') } }),
      onProgress: (n) => progress(`baseline bare Koa: ${n.toLocaleString('en-US')} requests`),
    });
  } finally {
    await server.stop();
  }
}
