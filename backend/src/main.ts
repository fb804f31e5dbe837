/**
 * Boot: config -> database -> HTTP server -> real time -> listen. Prints where the product is and how
 * to sign in, and stops gracefully on SIGTERM/SIGINT.
 *
 * Server mode (PostgreSQL and Redis) runs a cluster: the primary migrates and seeds ONCE, forks the
 * workers, which share the port (node's cluster hands out connections; they stay alive), tells them
 * where to forward Socket.IO requests of each other's sessions, replaces workers that die, and on
 * SIGTERM lets every worker finish its requests and send its sockets away before exiting. Without Redis
 * there is one process and the in-memory adapter.
 */
import cluster, { type Worker } from 'node:cluster';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createUnitOfWork, LATER } from './db/unit-of-work.js';
import { createLogger, type Logger } from './logger.js';
import { serveMetrics } from './metrics/index.js';
import { forwardSessions, type SessionForwarding } from './realtime/session-forwarding.js';
import { startServer } from './server.js';
import { seedDemo } from '../../db/seeds/demo.js';

const DEMO_LOGINS = `  tenants: demo (Demo Gym), olympia (Olympia Fitness)
  in each: owner/owner123, trainer/trainer123, member/member123, member2/member123
  platform admin: admin/admin123`;

/** How long a stop may take after the drain (requests still finishing) before the stragglers are killed. */
const FINISH_TIMEOUT_MS = 15_000;
const stopTimeoutMs = (config: Readonly<Config>) => config.drainSeconds * 1000 + FINISH_TIMEOUT_MS;

function banner(config: Readonly<Config>, workers: number): void {
  const mode = config.database.driver === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL';
  const extra = config.redisUrl ? `, Redis, ${workers} worker${workers === 1 ? '' : 's'}` : '';
  console.log(`\nGymflow is running at ${config.publicUrl} (${mode}${extra})`);
  if (config.seedDemo) console.log(`Demo logins:\n${DEMO_LOGINS}\n`);
}

/** SIGTERM (an orchestrator's stop) drains first; SIGINT (Ctrl-C) stops without the drain period. */
function onStopSignal(config: Readonly<Config>, stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), stopTimeoutMs(config) + 2000);
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
  await serveMetrics(config, log);
  banner(config, 1);
  onStopSignal(config, async (signal) => {
    log.info({ signal }, 'shutting down');
    await (signal === 'SIGTERM' ? server.drain() : server.close());
  });
}

async function runPrimary(config: Readonly<Config>, log: Logger): Promise<void> {
  // Migrations and demo data once, here, before any worker opens the database.
  const db = await openDatabase(config.database, { migrate: config.migrateOnStart });
  try {
    if (config.seedDemo) {
      // Events of the seed are left unpublished; the workers' sweeper numbers and emits them.
      const { created } = await seedDemo({ db, uow: createUnitOfWork(db, LATER), bcryptCost: config.bcryptCost, activity: config.seedDemoActivity });
      if (created.length) log.info({ created }, 'demo data seeded');
    }
  } finally {
    await db.close();
  }

  await serveMetrics(config, log);
  let stopping = false;
  const recentDeaths: number[] = [];
  // Where each worker takes the Socket.IO requests that reach its siblings (realtime/session-forwarding.ts).
  const sessionPorts = new Map<number, number>();
  const tellWorkers = () => {
    const ports = Object.fromEntries(sessionPorts);
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ type: 'gymflow:workers', ports });
  };

  cluster.on('exit', (worker, code, signal) => {
    sessionPorts.delete(worker.id);
    tellWorkers();
    if (stopping) return;
    log.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && recentDeaths[0]! < now - 60_000) recentDeaths.shift();
    // A worker that dies at boot must not become a fork loop.
    const delay = recentDeaths.length > 3 ? Math.min(10_000, 500 * recentDeaths.length) : 0;
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, delay).unref();
  });

  const ready = new Promise<void>((resolve) => {
    let online = 0;
    cluster.on('message', (worker, message: { type?: string; sessionPort?: number } | null) => {
      if (message?.type !== 'gymflow:ready') return;
      sessionPorts.set(worker.id, Number(message.sessionPort));
      tellWorkers();
      if (++online === config.workers) resolve();
    });
  });
  // Each worker listens on the port itself; node's cluster hands the connections out round-robin, and a
  // worker gets none before it listens (booting) or after it stopped listening (stopping).
  for (let i = 0; i < config.workers; i++) cluster.fork();
  await ready;
  log.info({ port: config.port, workers: config.workers }, 'cluster listening');
  banner(config, config.workers);

  onStopSignal(config, async (signal) => {
    stopping = true;
    log.info({ signal }, 'shutting down the cluster');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) {
              resolve();
              return;
            }
            const kill = setTimeout(() => w.process.kill('SIGKILL'), stopTimeoutMs(config));
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            // The same signal: SIGTERM makes every worker drain, SIGINT stops them at once.
            w.process.kill(signal);
          }),
      ),
    );
  });
}

async function runWorker(config: Readonly<Config>, log: Logger): Promise<void> {
  let forwarding: SessionForwarding | null = null;
  const server = await startServer(config, {
    log,
    migrate: false,
    seed: false,
    worker: {
      attach: async ({ httpServer, realtime }) => {
        forwarding = await forwardSessions(httpServer, realtime.io.engine, cluster.worker!.id, config.nodeId);
        const sessions = forwarding;
        process.on('message', (message: { type?: string; ports?: Record<string, number> } | null) => {
          if (message?.type === 'gymflow:workers' && message.ports) sessions.setWorkers(message.ports);
        });
      },
    },
  });
  process.send?.({ type: 'gymflow:ready', sessionPort: forwarding!.port });
  const stop = async () => {
    await server.close();
    await forwarding?.close();
  };
  onStopSignal(config, async (signal) => {
    log.info({ signal }, 'worker shutting down');
    if (signal === 'SIGTERM') await server.drain();
    await stop();
  });
  // The primary is gone (killed): this worker is on its own; stop.
  process.on('disconnect', () => {
    void stop().finally(() => process.exit(0));
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
