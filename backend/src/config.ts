/**
 * The only reader of process.env. One zod schema, parsed once, frozen; a bad value stops the boot
 * with a message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { embeddedSecrets, secretProblem } from './secrets.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const csv = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Public URL printed at start and used for links (Link headers, OpenAPI servers). */
    PUBLIC_URL: z.url().optional(),
    /** PostgreSQL connection; unset means the embedded PGlite database. */
    DATABASE_URL: z.url().optional(),
    /** At least 2: a cluster-wide job holds its lock on one connection while it works on another. */
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
    /** Login role the application works as: neither superuser nor BYPASSRLS (created by the migrations). */
    DATABASE_APP_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('gym_app'),
    /** Its password (set by the migrations); empty for trust/peer authentication. */
    DATABASE_APP_PASSWORD: z.string().optional(),
    /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
    DATA_DIR: z.string().default('./data'),
    /** Production on the embedded database (no DATABASE_URL) only when asked for by name. */
    EMBEDDED: bool.default(false),
    REDIS_URL: z.url().optional(),
    /** Use the sharded Redis adapter (SPUBLISH, Redis 7+) instead of the classic pattern adapter. */
    REDIS_SHARDED: bool.default(true),
    /**
     * This node's name behind nginx (e.g. app1): it starts every Socket.IO session id the node issues, so
     * nginx sends a long-polling session back to its node by name (see nginx/templates).
     */
    NODE_ID: z.string().regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lowercase letters or digits').optional(),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    /** Required with DATABASE_URL; the embedded mode generates its own into DATA_DIR. */
    JWT_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().default('gymflow'),
    JWT_AUDIENCE: z.string().default('gymflow-api'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(86400).default(900),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SESSION_SECRET: z.string().optional(),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
    BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
    /** Comma-separated origins allowed for CORS and Socket.IO; same-origin is always allowed. */
    CORS_ORIGINS: csv.default([]),
    /** Base domain whose subdomains name tenants, e.g. gymflow.example → demo.gymflow.example. */
    BASE_DOMAIN: z.string().default('localhost'),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
    LOGIN_BLOCK_SECONDS: z.coerce.number().int().min(1).max(86400).default(900),
    /** Open sockets one person (user or display token) may hold, across every worker and node. */
    /** Requests per minute one API key may make (its own limit, across every worker with Redis). */
    API_KEY_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    SOCKETS_PER_PERSON: z.coerce.number().int().min(1).max(10_000).default(20),
    /** Events of the log one person may have replayed per minute (resume and reconnects). */
    REPLAY_EVENTS_PER_MINUTE: z.coerce.number().int().min(100).max(10_000_000).default(20_000),
    /** Visits still open after this many minutes are closed as auto_expired. */
    VISIT_MAX_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(240),
    /** Seconds a node keeps serving after SIGTERM while its readiness says 503 (within the orchestrator's grace). */
    DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(10),
    /** Seed demo data on start: default yes only in the embedded mode outside production. */
    SEED_DEMO: bool.optional(),
    /** With the demo data, also weeks of visits, people inside now and the coming week's bookings. */
    SEED_DEMO_ACTIVITY: bool.default(true),
    /** Run migrations on start: default yes outside production (a deploy runs `npm run migrate`). */
    MIGRATE_ON_START: bool.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    /**
     * Addresses or CIDRs (or proxy-addr's names: loopback, linklocal, uniquelocal) of the reverse proxies
     * whose X-Forwarded-For / -Proto count. Default: nobody. A proxy is something a deployment sets up and
     * names; trusting one by default would let any client that reaches a node choose its own address.
     */
    TRUSTED_PROXIES: csv.default([]).refine((list) => {
      try {
        proxyAddr.compile(list);
        return true;
      } catch {
        return false;
      }
    }, 'must be a comma-separated list of IP addresses or CIDRs'),
    STATIC_DIR: z.string().optional(),
    /** Observability: the internal Prometheus port (`off` disables it), its address and this node's name. */
    METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).optional(),
    METRICS_HOST: z.string().default('127.0.0.1'),
    NODE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    /** Webhooks may post to loopback, private and link-local addresses: default yes outside production. */
    WEBHOOK_ALLOW_PRIVATE: bool.optional(),
    /** How long one delivery may take (connect, answer and body) before it counts as failed. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(15_000),
    /** Seconds to wait before each retry after the first attempt (which is immediate); jittered. */
    WEBHOOK_RETRY_SECONDS: csv
      .default(['5', '300', '1800', '7200', '18000', '36000', '36000'])
      .pipe(z.array(z.string().transform(Number).pipe(z.number().min(0).max(7 * 86400))).max(20)),
    /** An endpoint failing without a success for this long is disabled (the owner sees why). */
    WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().min(0).max(24 * 30).default(72),
    /** After a rotation the old secret keeps signing beside the new one for this long. */
    WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number().min(0).max(24 * 7).default(24),
    /** How often each process looks for due deliveries (besides being woken by new events). */
    WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    /** Deliveries one process makes at a time (each to a different endpoint). */
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    /** Days the delivery log keeps each attempt. */
    WEBHOOK_LOG_DAYS: z.coerce.number().min(1).max(3650).default(30),
  })
  .superRefine(databaseRules);

type ParsedEnv = z.output<typeof schema>;

/** Production never lands on an embedded database by accident (in a container without a volume: data loss). */
function databaseRules(env: ParsedEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL && !env.EMBEDDED) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_URL'],
      message: 'is required in production: set it to your PostgreSQL (postgres://user:password@host:5432/db), or set EMBEDDED=true to run on the embedded database in DATA_DIR (keep that folder on a volume)',
    });
  }
}

/** With DATABASE_URL the secrets are the operator's, whatever NODE_ENV says; any secret given must be a real one. */
function secretRules(env: ParsedEnv, ctx: z.RefinementCtx): void {
  const secrets = { JWT_SECRET: env.JWT_SECRET, SESSION_SECRET: env.SESSION_SECRET };
  for (const [name, value] of Object.entries(secrets)) {
    if (value === undefined) {
      if (env.DATABASE_URL) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required with DATABASE_URL: set it to a random value of your own, e.g. the output of `openssl rand -base64 48`' });
      }
      continue;
    }
    const problem = secretProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `${problem}: set it to a random value of your own, e.g. the output of \`openssl rand -base64 48\`` });
  }
  if (secrets.JWT_SECRET !== undefined && secrets.JWT_SECRET === secrets.SESSION_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'must differ from JWT_SECRET: give each its own random value' });
  }
}

function parse(checked: z.ZodType<ParsedEnv>, source: NodeJS.ProcessEnv): ParsedEnv {
  const parsed = checked.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string;
  /** PUBLIC_URL was not set: the product is reached on this machine (loopback origins are its own). */
  publicUrlIsDefault: boolean;
  database:
    | { driver: 'pg'; url: string; poolMax: number; appRole: string; appPassword?: string }
    | { driver: 'pglite'; dataDir: string; appRole: string };
  redisUrl: string | undefined;
  redisSharded: boolean;
  workers: number;
  nodeId: string | undefined;
  jwt: { secret: string; issuer: string; audience: string; accessTtlSeconds: number; refreshTtlDays: number };
  session: { secret: string; ttlHours: number };
  bcryptCost: number;
  corsOrigins: string[];
  baseDomain: string;
  loginThrottle: { maxFailures: number; blockSeconds: number };
  realtimeLimits: { socketsPerPerson: number; replayEventsPerMinute: number };
  apiKeys: { requestsPerMinute: number };
  visitMaxMinutes: number;
  drainSeconds: number;
  seedDemo: boolean;
  seedDemoActivity: boolean;
  migrateOnStart: boolean;
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  trustedProxies: string[];
  staticDir: string;
  /** Metrics on their own port (never the public one; default 9464, none in tests); port null: not served. */
  metrics: { port: number | null; host: string; nodeName: string };
  webhooks: {
    allowPrivate: boolean;
    timeoutMs: number;
    retrySeconds: number[];
    disableAfterHours: number;
    secretOverlapHours: number;
    pollMs: number;
    concurrency: number;
    logDays: number;
  };
}

/** Parses an environment into a frozen Config; throws an Error that lists every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const e = parse(schema.superRefine(secretRules), source);
  const isProduction = e.NODE_ENV === 'production';
  const port = e.PORT;
  const database = databaseConfig(e);
  // Only the embedded mode may lack secrets here (the rules above): it keeps generated ones.
  const generated = e.JWT_SECRET && e.SESSION_SECRET ? null : embeddedSecrets(database.driver === 'pglite' ? database.dataDir : 'memory://');
  const config: Config = {
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${port}`,
    publicUrlIsDefault: !e.PUBLIC_URL,
    database,
    redisUrl: e.REDIS_URL,
    redisSharded: e.REDIS_SHARDED,
    // Without Redis there is no way to share events between workers, so one process.
    workers: e.REDIS_URL && e.DATABASE_URL ? (e.WEB_CONCURRENCY ?? os.availableParallelism()) : 1,
    nodeId: e.NODE_ID,
    jwt: {
      secret: e.JWT_SECRET ?? generated!.jwt,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    },
    session: { secret: e.SESSION_SECRET ?? generated!.session, ttlHours: e.SESSION_TTL_HOURS },
    bcryptCost: e.BCRYPT_COST,
    corsOrigins: e.CORS_ORIGINS,
    baseDomain: e.BASE_DOMAIN,
    loginThrottle: { maxFailures: e.LOGIN_MAX_FAILURES, blockSeconds: e.LOGIN_BLOCK_SECONDS },
    realtimeLimits: { socketsPerPerson: e.SOCKETS_PER_PERSON, replayEventsPerMinute: e.REPLAY_EVENTS_PER_MINUTE },
    apiKeys: { requestsPerMinute: e.API_KEY_REQUESTS_PER_MINUTE },
    visitMaxMinutes: e.VISIT_MAX_MINUTES,
    drainSeconds: e.DRAIN_SECONDS,
    // Demo logins on a real database would be a back door: only when asked for.
    seedDemo: e.SEED_DEMO ?? (!e.DATABASE_URL && !isProduction),
    seedDemoActivity: e.SEED_DEMO_ACTIVITY,
    migrateOnStart: e.MIGRATE_ON_START ?? !isProduction,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    trustedProxies: e.TRUSTED_PROXIES,
    staticDir: path.resolve(e.STATIC_DIR ?? 'dist/frontend'),
    metrics: {
      // Tests run many servers side by side: none takes the port unless asked to.
      port: e.METRICS_PORT === 'off' ? null : (e.METRICS_PORT ?? (e.NODE_ENV === 'test' ? null : 9464)),
      host: e.METRICS_HOST,
      // Compose names its nodes by NODE_ID (app1, app2); a container's host name is a random id.
      nodeName: e.NODE_NAME ?? e.NODE_ID ?? os.hostname(),
    },
    webhooks: {
      // A webhook to 127.0.0.1 or 10.x from a production server would reach its own private network.
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE ?? !isProduction,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retrySeconds: e.WEBHOOK_RETRY_SECONDS,
      disableAfterHours: e.WEBHOOK_DISABLE_AFTER_HOURS,
      secretOverlapHours: e.WEBHOOK_SECRET_OVERLAP_HOURS,
      pollMs: e.WEBHOOK_POLL_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      logDays: e.WEBHOOK_LOG_DAYS,
    },
  };
  return deepFreeze(config);
}

function databaseConfig(e: ParsedEnv): Config['database'] {
  return e.DATABASE_URL
    ? { driver: 'pg', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, appRole: e.DATABASE_APP_ROLE, appPassword: e.DATABASE_APP_PASSWORD }
    : { driver: 'pglite', dataDir: e.DATA_DIR.startsWith('memory://') ? e.DATA_DIR : path.resolve(e.DATA_DIR), appRole: e.DATABASE_APP_ROLE };
}

/**
 * What the maintenance commands (`migrate`, `seed`) need: the database, the hashing cost and how much
 * demo data to seed, without the secrets they never use (so the migration job is not handed them).
 */
export function loadDatabaseConfig(
  source: NodeJS.ProcessEnv = process.env,
): Readonly<Pick<Config, 'database' | 'bcryptCost' | 'seedDemoActivity'>> {
  const e = parse(schema, source);
  return deepFreeze({ database: databaseConfig(e), bcryptCost: e.BCRYPT_COST, seedDemoActivity: e.SEED_DEMO_ACTIVITY });
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
