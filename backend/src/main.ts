/**
 * Boot: config -> database -> HTTP server -> real time -> listen. Prints where the product is and how
 * to sign in, and stops gracefully on SIGTERM/SIGINT.
 *
 * Server mode (PostgreSQL and Redis) runs a cluster: the primary migrates and seeds ONCE, listens on the
 * port and hands each connection to a worker with sticky sessions (a Socket.IO long-polling session
 * always reaches the worker that holds it), replaces workers that die, and on SIGTERM stops taking
 * connections and lets every worker finish its requests and send its sockets away before exiting.
 * Without Redis there is one process and the in-memory adapter.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createUnitOfWork, LATER } from './db/unit-of-work.js';
import { createLogger, type Logger } from './logger.js';
import { aggregateWorkerMetrics } from './metrics.js';
import { startServer, type RunningServer } from './server.js';
import { seedDemo } from '../../db/seeds/demo.js';

const DEMO_LOGINS = `  tenants: demo (Demo Gym), olympia (Olympia Fitness)
  in each: owner/owner123, trainer/trainer123, member/member123, member2/member123
  platform admin: admin/admin123`;

/** How long a stop may take before the stragglers are killed. */
const STOP_TIMEOUT_MS = 15_000;

function banner(config: Readonly<Config>, workers: number): void {
  const mode = config.database.driver === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL';
  const extra = config.redisUrl ? `, Redis, ${workers} worker${workers === 1 ? '' : 's'}` : '';
  console.log(`\nGymflow is running at ${config.publicUrl} (${mode}${extra})`);
  if (config.seedDemo) console.log(`Demo logins:\n${DEMO_LOGINS}\n`);
}

function onStopSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), STOP_TIMEOUT_MS + 2000);
    force.unref();
    stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** One process: the embedded mode, or a server without Redis. */
async function runSingle(config: Readonly<Config>, log: Logger): Promise<void> {
  const server = await startServer(config, { log });
  banner(config, 1);
  onStopSignal(async (signal) => {
    log.info({ signal }, 'shutting down');
    await server.close();
  });
}

async function runPrimary(config: Readonly<Config>, log: Logger): Promise<void> {
  // Migrations and demo data once, here, before any worker opens the database.
  const db = await openDatabase(config.database, { migrate: config.migrateOnStart });
  try {
    if (config.seedDemo) {
      // Events of the seed are left unpublished; the workers' sweeper emits them.
      const { created } = await seedDemo({ db, uow: createUnitOfWork(db, LATER), bcryptCost: config.bcryptCost });
      if (created.length) log.info({ created }, 'demo data seeded');
    }
  } finally {
    await db.close();
  }

  const httpServer = http.createServer();
  // Sticky hands the first bytes of each connection over IPC as a Buffer: needs the advanced serialization.
  cluster.setupPrimary({ serialization: 'advanced' });
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  httpServer.on('connection', (socket) => {
    // A request whose body the primary relays to a worker that then dies would hang forever; WebSocket
    // and plain connections are handed over (and closed here), so only such relayed requests time out.
    socket.setTimeout(30_000, () => socket.destroy());
    // Sticky hands a connection without a body over to a worker, but this process's handle keeps
    // reading until the worker acknowledges it, and Node drops what it reads then: a WebSocket
    // client's first frame (its namespace CONNECT) was lost now and then under load. Stop reading
    // here before sticky (a listener added after ours) sends the handle.
    socket.prependOnceListener('data', (chunk: Buffer) => {
      const head = chunk.subarray(0, chunk.indexOf('\r\n\r\n')).toString().toLowerCase();
      if (head.includes('content-length:') || head.includes('transfer-encoding:')) return;
      (socket as unknown as { _handle?: { readStop?(): number } })._handle?.readStop?.();
    });
    // Which client connection sticky is dispatching right now (its data listener runs after this one).
    socket.prependListener('data', () => (dispatching = socket));
  });
  // Requests whose body the primary relays keep their client connection here; when their worker dies
  // those connections are closed at once, so clients see the failure and retry instead of waiting.
  let dispatching: import('node:net').Socket | null = null;
  const relayed = new Map<number, Set<import('node:net').Socket>>();
  const trackRelays = (worker: Worker) => {
    const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
    worker.send = ((...args: unknown[]) => {
      const socket = dispatching;
      if ((args[0] as { type?: string } | null)?.type === 'sticky:http-chunk-start' && socket) {
        const set = relayed.get(worker.id) ?? new Set();
        relayed.set(worker.id, set.add(socket));
        // A relayed request counts as a client while it lasts, so least-connection spreads API
        // requests too (Socket.IO sessions alone tie at zero and send every request to the oldest worker).
        const counted = worker as Worker & { clientsCount?: number };
        counted.clientsCount = (counted.clientsCount ?? 0) + 1;
        socket.once('close', () => {
          set.delete(socket);
          counted.clientsCount = Math.max(0, (counted.clientsCount ?? 1) - 1);
        });
      }
      return send(...args);
    }) as Worker['send'];
  };
  cluster.on('exit', (worker) => {
    for (const socket of relayed.get(worker.id) ?? []) socket.destroy();
    relayed.delete(worker.id);
  });
  aggregateWorkerMetrics();
  let stopping = false;
  const recentDeaths: number[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork();
    trackRelays(worker);
    // Sticky's least-connection balancing reads clientsCount: a worker still booting must get no
    // connection (it could not answer yet), so it counts as full until it reports ready.
    (worker as Worker & { clientsCount?: number }).clientsCount = Number.POSITIVE_INFINITY;
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && recentDeaths[0]! < now - 60_000) recentDeaths.shift();
    // A worker that dies at boot must not become a fork loop.
    const delay = recentDeaths.length > 3 ? Math.min(10_000, 500 * recentDeaths.length) : 0;
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  // A worker that is stopping (SIGTERM from here or from outside, a rolling restart) counts as full.
  cluster.on('message', (worker, message: { type?: string }) => {
    if (message?.type === 'gymflow:stopping') (worker as Worker & { clientsCount?: number }).clientsCount = Number.POSITIVE_INFINITY;
  });
  const ready = new Promise<void>((resolve) => {
    let online = 0;
    cluster.on('message', (worker, message: { type?: string }) => {
      if (message?.type !== 'gymflow:ready') return;
      (worker as Worker & { clientsCount?: number }).clientsCount = 0;
      if (++online === config.workers) resolve();
    });
  });
  for (let i = 0; i < config.workers; i++) fork();
  await ready;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  log.info({ port: config.port, workers: config.workers }, 'cluster listening');
  banner(config, config.workers);

  onStopSignal(async (signal) => {
    stopping = true;
    log.info({ signal }, 'shutting down the cluster');
    httpServer.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
  });
}

async function runWorker(config: Readonly<Config>, log: Logger): Promise<void> {
  // Connections the primary hands over while this worker boots wait here, then replay in order.
  const early: Array<[unknown, unknown]> = [];
  const hold = (message: unknown, handle: unknown) => early.push([message, handle]);
  process.on('message', hold);
  let server: RunningServer | null = null;
  server = await startServer(config, {
    log,
    migrate: false,
    seed: false,
    worker: {
      attach: ({ realtime }) => {
        setupWorker(realtime.io);
        process.off('message', hold);
        for (const [message, handle] of early.splice(0)) process.emit('message', message as never, handle as never);
      },
    },
  });
  process.send?.({ type: 'gymflow:ready' });
  onStopSignal(async (signal) => {
    log.info({ signal }, 'worker shutting down');
    // The primary must send no new connection here (it would be lost when this process exits), and
    // what it already sent over IPC gets a moment to arrive and be answered before the server closes.
    process.send?.({ type: 'gymflow:stopping' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await server?.close();
  });
  // The primary is gone (killed): nobody will hand over connections any more.
  process.on('disconnect', () => {
    void server?.close().finally(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const log = createLogger(config);
  if (cluster.isWorker) return runWorker(config, log);
  if (config.workers > 1) return runPrimary(config, log);
  return runSingle(config, log);
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
