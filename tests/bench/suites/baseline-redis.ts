/**
 * The bare limit of Redis as the product uses it: PUBLISH of an event-sized message with the two
 * workers' subscribers listening, as a rate (many in flight) and as a publish→receive latency.
 */
import { Redis } from 'ioredis';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';

export interface RedisBaseline {
  publishPerSecond: number;
  latency: Distribution;
}

const MESSAGE = JSON.stringify({
  seq: 123456,
  at: '2026-11-25T12:00:00.000Z',
  booking: { id: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', area_id: '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3', date: '2026-12-01', start_time: '10:00', duration: 60, status: 'confirmed' },
});

export async function redisBaseline(redisUrl: string, durationMs = 3000): Promise<RedisBaseline> {
  const channel = `bench:${process.pid}:${Date.now()}`;
  const pub = new Redis(redisUrl);
  const subs = [new Redis(redisUrl), new Redis(redisUrl)];
  try {
    await Promise.all(subs.map((s) => s.subscribe(channel)));
    const waiting: Array<() => void> = [];
    subs[0]!.on('message', () => waiting.shift()?.());

    // Latency: one at a time, publish → the first subscriber has it.
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      const got = new Promise<void>((r) => waiting.push(r));
      await pub.publish(channel, MESSAGE);
      await got;
      samples.push(performance.now() - t);
      if (i % 200 === 0) progress(`baseline Redis: pub→sub latency ${i}/2000`);
    }
    subs[0]!.removeAllListeners('message');

    // Rate: 64 in flight for the duration.
    let done = 0;
    const started = performance.now();
    const until = started + durationMs;
    const lane = async () => {
      while (performance.now() < until) {
        await pub.publish(channel, MESSAGE);
        done++;
      }
    };
    const ticker = setInterval(() => progress(`baseline Redis: PUBLISH ${done.toLocaleString('en-US')} sent`), 250);
    await Promise.all(Array.from({ length: 64 }, lane));
    clearInterval(ticker);
    const seconds = (performance.now() - started) / 1000;
    return { publishPerSecond: done / seconds, latency: distribution(samples) };
  } finally {
    pub.disconnect();
    for (const s of subs) s.disconnect();
  }
}
