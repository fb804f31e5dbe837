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
import type { AppDeps } from './deps.js';
import { createLogger, type Logger } from './logger.js';
import { createPublisher } from './realtime/publisher.js';
import { seedDemo } from '../../db/seeds/demo.js';

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  httpServer: http.Server;
  close(): Promise<void>;
}

export async function startServer(config: Readonly<Config>, options: { log?: Logger; migrate?: boolean } = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  const db = await openDatabase(config.database, { migrate: options.migrate ?? config.migrateOnStart });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }) : null;
  redis?.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const publisher = createPublisher();
  const uow = createUnitOfWork(db, publisher);
  const deps: AppDeps = { config, log, db, uow, redis, publisher };

  if (config.seedDemo) {
    const { created } = await seedDemo({ db, uow, bcryptCost: config.bcryptCost });
    if (created.length) log.info({ created }, 'demo data seeded');
  }

  const { app } = createApp(deps);
  const httpServer = http.createServer(app.callback());
  httpServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    httpServer,
    async close() {
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      redis?.disconnect();
      await db.close();
    },
  };
}
