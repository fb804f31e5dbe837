import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { UnitOfWork } from './db/unit-of-work.js';
import type { Logger } from './logger.js';
import { createApiKeyLimits, type ApiKeyLimits } from './modules/api-keys/api-key-limits.js';
import { createRevocations, type Revocations } from './modules/auth/revocations.js';
import { createAccessVerifier, type AccessVerifier } from './modules/auth/tokens.js';
import { createSessionStore, type SessionStore } from './modules/auth/session.store.js';
import { createLoginThrottle, type LoginThrottle } from './modules/auth/throttle.js';
import { createTenantDirectory, type TenantDirectory } from './modules/tenants/tenant-directory.js';
import { createBookableAreas, type BookableAreas } from './modules/bookings/bookable-areas.js';
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

/** The services that hold per-process state (caches, counters, the revocation channel), one set per server. */
export interface AppServices {
  /** Sign-in attempts per account and address. */
  loginThrottle: LoginThrottle;
  /** Web sessions, in Redis or the database. */
  sessions: SessionStore;
  /** Tenant status, subdomain and plan for every authenticated request, cached briefly. */
  tenantDirectory: TenantDirectory;
  /** People's standing, cached briefly, and the announcements that end it early on every process. */
  revocations: Revocations;
  /** Access tokens, verified once each and remembered until they expire. */
  accessTokens: AccessVerifier;
  /** Each API key's requests per minute. */
  apiKeyLimits: ApiKeyLimits;
  /** Copies of what bookings are computed from, checked against the database's version by each booking. */
  bookableAreas: BookableAreas;
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
    revocations: createRevocations({ ...core, tenantDirectory }),
    accessTokens: createAccessVerifier(core.config.jwt),
    apiKeyLimits: createApiKeyLimits(core),
    bookableAreas: createBookableAreas(),
  };
}

/**
 * Lets go of what the services hold, once the server stops serving. None holds a timer or a Redis
 * subscription of its own (the caches expire entries when read; Redis and the adapter close with the
 * server); the revocation channel drops its carrier and listeners, so a commit that lands after the
 * close reaches no socket and no other process through a closed server.
 */
export function closeAppServices(deps: AppServices): void {
  deps.revocations.close();
}
