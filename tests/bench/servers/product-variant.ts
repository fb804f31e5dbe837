/**
 * Experiments only (`npm run bench -- --variant=…`), never the figures of BENCHMARKS.md: the product's
 * own server (startServer, the same app, real time and database) in a cluster arranged differently from
 * backend/src/main.ts, to measure what a proposed change to the topology would gain before anyone makes it.
 *
 *   BENCH_VARIANT=least-connection  the topology of main.ts as it is (to measure the patches alone).
 *   BENCH_VARIANT=round-robin  main.ts as it is, but the sticky primary picks workers round-robin
 *                              instead of least-connection (ties always went to the first worker).
 *   BENCH_VARIANT=direct       no sticky primary: node's cluster hands each connection to a worker and
 *                              the workers share the port, so API requests keep their connection alive
 *                              and never cross the IPC channel. (Fine for WebSocket-only clients;
 *                              long-polling would need stickiness at the proxy.)
 *   BENCH_PATCHES=jwt-key      jsonwebtoken gets the HS256 secret as a KeyObject, not a string (a string
 *                              makes it try createPublicKey and throw, on every verify).
 *   BENCH_PATCHES=zone-cache   luxon's time-zone offsets are memoized per instant, standing in for a
 *                              slot grid cached per (zone, date, hours, slot length).
 * Assumes a migrated and seeded database (MIGRATE_ON_START=false, SEED_DEMO=false).
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { IANAZone } from 'luxon';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { loadConfig } from '../../../backend/src/config.js';
import { createLogger } from '../../../backend/src/logger.js';
import { startServer } from '../../../backend/src/server.js';

const variant = process.env.BENCH_VARIANT ?? 'round-robin';
const config = loadConfig();
const log = createLogger(config);

const patches = new Set((process.env.BENCH_PATCHES ?? '').split(',').filter(Boolean));

if (patches.has('zone-cache')) {
  const proto = IANAZone.prototype as unknown as { offset(ts: number): number; name: string };
  const offset = proto.offset;
  const memo = new Map<string, number>();
  proto.offset = function (this: { name: string }, ts: number) {
    const key = `${this.name}|${ts}`;
    let v = memo.get(key);
    if (v === undefined) {
      if (memo.size > 100_000) memo.clear();
      v = offset.call(this, ts);
      memo.set(key, v);
    }
    return v;
  };
}

if (patches.has('jwt-key')) {
  const keys = new Map<string, ReturnType<typeof createSecretKey>>();
  const key = (s: unknown) => {
    if (typeof s !== 'string') return s;
    if (!keys.has(s)) keys.set(s, createSecretKey(Buffer.from(s)));
    return keys.get(s);
  };
  const j = jwt as unknown as Record<string, (...a: unknown[]) => unknown>;
  const verify = j.verify!.bind(jwt);
  const sign = j.sign!.bind(jwt);
  j.verify = (token, secret, ...rest) => verify(token, key(secret), ...rest);
  j.sign = (payload, secret, ...rest) => sign(payload, key(secret), ...rest);
}

if (cluster.isPrimary) {
  cluster.setupPrimary({ serialization: 'advanced' });
  let online = 0;
  cluster.on('message', (_w, m: { type?: string }) => {
    if (m?.type === 'gymflow:ready' && ++online === config.workers) {
      if (variant === 'direct') console.log(`Gymflow variant ${variant} is running`);
      else server.listen(config.port, config.host, () => console.log(`Gymflow variant ${variant} is running`));
    }
  });
  const server = http.createServer();
  if (variant !== 'direct') setupMaster(server, { loadBalancingMethod: variant === 'least-connection' ? 'least-connection' : 'round-robin' });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 3000).unref();
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
  });
} else {
  const running = await startServer(config, {
    log,
    migrate: false,
    seed: false,
    worker: variant === 'direct' ? undefined : { attach: ({ realtime }) => setupWorker(realtime.io) },
  });
  process.send?.({ type: 'gymflow:ready' });
  process.on('SIGTERM', () => void running.close().finally(() => process.exit(0)));
}
