/**
 * What the Redis adapter costs with many tenant namespaces: the classic adapter (PSUBSCRIBE one pattern
 * per namespace, so Redis matches every PUBLISH against every pattern of every server) against the
 * sharded one (SSUBSCRIBE exact channels, static mode: one channel per namespace plus one for answers).
 *
 *   npx tsx tests/bench/adapter.bench.ts [--namespaces=100,1000,5000] [--messages=2000] [--servers=2]
 *
 * Each mode runs on a private redis-server (started and stopped here). For every namespace count it
 * reports: the time to open the namespaces on every server, Redis memory, the subscriptions held, and
 * for `messages` serverSideEmit events spread over the namespaces (as the publisher sends them): the
 * throughput to the other server, the one-by-one latency (p50/p99) and the Redis CPU per message.
 *
 * Figures of 2026-11-25 (2 servers, 2,000 messages, Redis 7.0.15, 2 shared vCPUs, other jobs running):
 *
 *   namespaces  mode     open ms  subscriptions                    Redis MB  msg/s   Redis µs/msg  p50 ms  p99 ms
 *   100         classic       21  101 patterns + 404 channels          0.3    9,582        4.7     0.13    2.44
 *   100         sharded       10  303 shard channels                   0.2   18,830        1.9     0.05    3.69
 *   1,000       classic      181  1,001 patterns + 4,004 channels      1.7    1,667       30.3     0.73    2.49
 *   1,000       sharded       65  3,003 shard channels                 0.9   62,151        2.9     0.04    2.96
 *   5,000       classic      855  5,001 patterns + 20,004 channels     8.5      433      200.6     3.08    8.12
 *   5,000       sharded      318  15,003 shard channels                4.6   67,521        2.8     0.04    0.12
 *   10,000      classic    3,134  10,001 patterns + 40,004 channels   16.9      133      626.8     5.68   10.63
 *   10,000      sharded      613  30,003 shard channels                9.1   52,862        2.9     0.04    0.13
 *
 * The classic adapter's cost grows with the number of namespaces twice over: Redis matches every
 * PUBLISH against every pattern, and on each server every namespace's adapter sees every message of
 * the shared subscriber connection and filters it in JavaScript. The sharded adapter stays flat, so it
 * is the default (REDIS_SHARDED=true; static subscription mode, since events cross servers through
 * serverSideEmit on the namespace channel, never through per-room channels).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { Server, type Namespace } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const COUNTS = arg('namespaces', '100,1000,5000').split(',').map(Number);
const MESSAGES = Number(arg('messages', '2000'));
const SERVERS = Number(arg('servers', '2'));
const LATENCY_SAMPLES = 300;

type Mode = 'classic' | 'sharded';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) {
      proc.kill('SIGKILL');
      throw new Error('redis-server did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const admin = new Redis(port, '127.0.0.1');
  return { port, admin, stop: () => { admin.disconnect(); proc.kill('SIGKILL'); } };
}

const info = async (admin: Redis, section: string, key: string) => {
  const text = await admin.info(section);
  return Number(/\r?\n?([^\r\n]*)/.exec(text.split('\n').find((l) => l.startsWith(`${key}:`)) ?? '')?.[1]?.split(':')[1] ?? NaN);
};
const redisCpu = async (admin: Redis) => (await info(admin, 'cpu', 'used_cpu_user')) + (await info(admin, 'cpu', 'used_cpu_sys'));

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function run(mode: Mode, count: number) {
  const redis = await startRedis();
  try {
    return await measure(mode, count, redis);
  } finally {
    redis.stop();
  }
}

async function measure(mode: Mode, count: number, redis: Awaited<ReturnType<typeof startRedis>>) {
  const clients: Redis[] = [];
  const servers: Server[] = [];
  for (let s = 0; s < SERVERS; s++) {
    const pub = new Redis(redis.port, '127.0.0.1');
    const sub = new Redis(redis.port, '127.0.0.1');
    // The classic adapter adds an error listener per namespace.
    pub.setMaxListeners(0);
    sub.setMaxListeners(0);
    clients.push(pub, sub);
    const io = new Server();
    io.adapter(mode === 'classic' ? createAdapter(pub, sub) : (createShardedAdapter(pub, sub, { subscriptionMode: 'static' }) as unknown as ReturnType<typeof createAdapter>));
    servers.push(io);
  }
  const names = Array.from({ length: count }, (_, i) => `/tenant/${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`);
  const memBefore = await info(redis.admin, 'memory', 'used_memory');

  const t0 = performance.now();
  const nsps: Namespace[][] = servers.map((io) => names.map((n) => io.of(n)));
  // Subscriptions are pipelined on each subscriber connection: a PING answered means all are in place.
  await Promise.all(clients.filter((_, i) => i % 2 === 1).map((sub) => sub.ping()));
  const openMs = performance.now() - t0;

  const subs = mode === 'classic'
    ? `${Number(await redis.admin.call('PUBSUB', 'NUMPAT'))} patterns + ${((await redis.admin.call('PUBSUB', 'CHANNELS')) as string[]).length} channels`
    : `${((await redis.admin.call('PUBSUB', 'SHARDCHANNELS')) as string[]).length} shard channels`;
  const memMb = ((await info(redis.admin, 'memory', 'used_memory')) - memBefore) / 1024 / 1024;

  // Throughput: MESSAGES events from server 0 spread over the namespaces, all received by server 1.
  let received = 0;
  let onReceived: (() => void) | null = null;
  for (const nsp of nsps[1]!) nsp.on('event', () => { received++; onReceived?.(); });
  const cpu0 = await redisCpu(redis.admin);
  const t1 = performance.now();
  const done = new Promise<void>((resolve) => { onReceived = () => received >= MESSAGES && resolve(); });
  for (let i = 0; i < MESSAGES; i++) nsps[0]![i % count]!.serverSideEmit('event', { seq: i, payload: 'x'.repeat(200) });
  await done;
  const throughputMs = performance.now() - t1;
  const cpuPerMsgUs = (((await redisCpu(redis.admin)) - cpu0) * 1e6) / MESSAGES;

  // Latency: one at a time.
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const target = received + 1;
    const t = performance.now();
    await new Promise<void>((resolve) => {
      onReceived = () => received >= target && resolve();
      nsps[0]![(i * 7919) % count]!.serverSideEmit('event', { seq: i });
    });
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);

  for (const c of clients) c.disconnect();
  return {
    mode,
    namespaces: count,
    openMs: Math.round(openMs),
    subscriptions: subs,
    redisMemMb: memMb.toFixed(1),
    msgPerSec: Math.round(MESSAGES / (throughputMs / 1000)),
    redisCpuUsPerMsg: cpuPerMsgUs.toFixed(1),
    p50ms: pct(lat, 50).toFixed(2),
    p99ms: pct(lat, 99).toFixed(2),
  };
}

const rows = [];
for (const count of COUNTS) {
  for (const mode of ['classic', 'sharded'] as const) {
    const row = await run(mode, count);
    console.log(JSON.stringify(row));
    rows.push(row);
  }
}
console.log(`\n${SERVERS} servers, ${MESSAGES} messages per run; Redis ${(await import('node:child_process')).execSync('redis-server --version').toString().trim()}`);
console.table(rows);
process.exit(0);
