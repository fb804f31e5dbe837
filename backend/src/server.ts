/**
 * Builds one running server from a config: database (migrated), optional Redis, the Koa app and the
 * real-time layer on one HTTP server. Used by main.ts and by the tests (port 0).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createUnitOfWork } from './db/unit-of-work.js';
import { closeAppServices, createAppDeps, type AppDeps } from './deps.js';
import { createLogger, type Logger } from './logger.js';
import { labelProcess, timeSocketIoRequests, watchDatabase, watchRedis } from './metrics/index.js';
import { startBackgroundJobs } from './jobs.js';
import { startDispatcher, type Dispatcher } from './modules/webhooks/dispatcher.js';
import { createPublisher } from './realtime/publisher.js';
import { createRealtime, type Realtime, type RealtimeOptions } from './realtime/realtime.js';
import type { RouteDeclaration } from './http/route.js';
import { seedDemo } from '../../db/seeds/demo.js';
import { migrations } from '../../db/migrations/index.js';

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  httpServer: http.Server;
  realtime: Realtime;
  /** This process's webhook dispatcher. */
  webhooks: Dispatcher;
  /** The API's route declarations, as mounted. */
  routes: ReadonlyArray<RouteDeclaration>;
  /**
   * The stop of SIGTERM: readiness turns 503 at once, the node keeps serving for config.drainSeconds
   * (the orchestrator and nginx move traffic away meanwhile), then closes.
   */
  drain(): Promise<void>;
  /** Stops taking connections, lets every request in flight finish, sends the sockets elsewhere, lets go. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Run migrations (default config.migrateOnStart); cluster workers leave it to the primary. */
  migrate?: boolean;
  /** Seed demo data (default config.seedDemo); cluster workers leave it to the primary. */
  seed?: boolean;
  /**
   * A cluster worker: `attach` wires the server into the cluster before it listens (node's cluster shares
   * the port among the node's workers).
   */
  worker?: { attach(server: { httpServer: http.Server; realtime: Realtime }): Promise<void> };
  realtime?: RealtimeOptions;
}

export async function startServer(config: Readonly<Config>, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  labelProcess(config);
  const db = await openDatabase(config.database, { migrate: options.migrate ?? config.migrateOnStart, log });
  watchDatabase(db.knex, migrations);
  const redis = config.redisUrl ? new Redis(config.redisUrl, {
    maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false,
    // Commands issued in the same turn of the event loop (a burst of logins or handshakes) share one write.
    enableAutoPipelining: true,
  }) : null;
  redis?.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  if (redis) watchRedis('app', redis);
  const publisher = createPublisher({ log });
  const uow = createUnitOfWork(db, publisher);
  const deps = createAppDeps({ config, log, db, uow, redis, publisher, lifecycle: { draining: false } });

  if (options.seed ?? config.seedDemo) {
    const { created } = await seedDemo({ db, uow, bcryptCost: config.bcryptCost, activity: config.seedDemoActivity });
    if (created.length) log.info({ created }, 'demo data seeded');
  }

  const { app, registry } = createApp(deps);
  const handle = app.callback();
  const worker = config.isProduction ? null : String(process.pid);
  let inFlight = 0;
  const httpServer = http.createServer((req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    // Which worker of a cluster answered (tests, operators); not told in production.
    if (worker) res.setHeader('x-worker', worker);
    void handle(req, res);
  });
  httpServer.keepAliveTimeout = 65_000;
  const realtime = await createRealtime(httpServer, deps, options.realtime);
  timeSocketIoRequests(httpServer);
  // Closes visits left open too long (safe with several workers: each pass locks what it closes).
  const jobs = startBackgroundJobs(deps);
  // Webhooks: woken by every batch numbered here, polling for the rest (durable in PostgreSQL).
  const dispatcher = startDispatcher(deps);
  publisher.onPublished((events) => dispatcher.wake(events));
  await options.worker?.attach({ httpServer, realtime });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      deps.lifecycle.draining = true;
      if (httpServer.listening) httpServer.close();
      // Connections kept alive are closed whenever they fall idle, until the server has let go of all.
      const idle = setInterval(() => httpServer.closeIdleConnections(), 100);
      httpServer.closeIdleConnections();
      try {
        // Every request that started finishes, however long it takes (the process's stop timeout is the
        // only limit). Socket.IO's requests are not counted: engine.io answers them before this handler.
        while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
        // Closing the transports makes the clients reconnect, to another node; also closes the HTTP server.
        await realtime.close();
      } finally {
        clearInterval(idle);
      }
      httpServer.closeAllConnections();
      await jobs.stop();
      await dispatcher.stop();
      await publisher.flush();
      closeAppServices(deps);
      redis?.disconnect();
      await db.close();
    })();
    return closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    httpServer,
    realtime,
    webhooks: dispatcher,
    routes: registry.routes,
    drain() {
      draining ??= (async () => {
        deps.lifecycle.draining = true;
        log.info({ seconds: config.drainSeconds }, 'draining: readiness is 503, still serving');
        await new Promise((r) => setTimeout(r, config.drainSeconds * 1000));
        await close();
      })();
      return draining;
    },
    close,
  };
}
