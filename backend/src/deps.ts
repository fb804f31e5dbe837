import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { UnitOfWork } from './db/unit-of-work.js';
import type { Logger } from './logger.js';
import { createSessionStore, type SessionStore } from './modules/auth/session.store.js';
import { createLoginThrottle, type LoginThrottle } from './modules/auth/throttle.js';
import { createTenantDirectory, type TenantDirectory } from './modules/tenants/tenant-directory.js';
import type { Publisher } from './realtime/publisher.js';

/** What the server opens itself, before the services built on it. */
export interface CoreDeps {
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

/** The services that hold per-process state (caches, counters, stores), one set per server. */
export interface AppServices {
  /** Sign-in attempts per account and address. */
  loginThrottle: LoginThrottle;
  /** Web sessions, in Redis or the database. */
  sessions: SessionStore;
  /** Tenant status, subdomain and plan for every authenticated request, cached briefly. */
  tenantDirectory: TenantDirectory;
}

/** What the application is built from; created once at boot and passed down explicitly. */
export interface AppDeps extends CoreDeps, AppServices {}

/** Builds the application's deps: its services are made here, once per server, never on first use. */
export function createAppDeps(core: CoreDeps): AppDeps {
  const tenantDirectory = createTenantDirectory(core);
  return {
    ...core,
    loginThrottle: createLoginThrottle(core),
    sessions: createSessionStore(core),
    tenantDirectory,
  };
}

