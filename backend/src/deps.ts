import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { UnitOfWork } from './db/unit-of-work.js';
import type { Logger } from './logger.js';
import type { Publisher } from './realtime/publisher.js';

/** What the application is built from; created once at boot and passed down explicitly. */
export interface AppDeps {
  config: Readonly<Config>;
  log: Logger;
  db: Database;
  uow: UnitOfWork;
  /** null in embedded mode. */
  redis: Redis | null;
  publisher: Publisher;
  /** Set once SIGTERM arrived: readiness answers 503 while the node keeps serving (server.ts drain). */
  lifecycle: { draining: boolean };
}
