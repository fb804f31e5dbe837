/**
 * The only reader of process.env. One zod schema, parsed once, frozen; a bad value stops the boot
 * with a message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/** Placeholder secrets that development may use and production must refuse. */
export const DEV_SECRETS = {
  jwt: 'dev-only-jwt-secret-change-me-0123456789',
  session: 'dev-only-session-secret-change-me-0123456789',
} as const;

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
    PUBLIC_URL: z.string().url().optional(),
    /** PostgreSQL connection; unset means the embedded PGlite database. */
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** Login role the application works as: neither superuser nor BYPASSRLS (created by the migrations). */
    DATABASE_APP_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('gym_app'),
    /** Its password (set by the migrations); empty for trust/peer authentication. */
    DATABASE_APP_PASSWORD: z.string().optional(),
    /** Folder of the embedded database; `memory://` keeps it in memory (tests). */
    DATA_DIR: z.string().default('./data'),
    REDIS_URL: z.string().url().optional(),
    /** Use the sharded Redis adapter (SPUBLISH, Redis 7+) instead of the classic pattern adapter. */
    REDIS_SHARDED: bool.default(true),
    /**
     * This node's name behind nginx (e.g. app1): it starts every Socket.IO session id the node issues, so
     * nginx sends a long-polling session back to its node by name (see nginx/templates).
     */
    NODE_ID: z.string().regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lowercase letters or digits').optional(),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    JWT_SECRET: z.string().min(32).default(DEV_SECRETS.jwt),
    JWT_ISSUER: z.string().default('gymflow'),
    JWT_AUDIENCE: z.string().default('gymflow-api'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(86400).default(900),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SESSION_SECRET: z.string().min(32).default(DEV_SECRETS.session),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
    BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
    /** Comma-separated origins allowed for CORS and Socket.IO; same-origin is always allowed. */
    CORS_ORIGINS: csv.default([]),
    /** Base domain whose subdomains name tenants, e.g. gymflow.example → demo.gymflow.example. */
    BASE_DOMAIN: z.string().default('localhost'),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
    LOGIN_BLOCK_SECONDS: z.coerce.number().int().min(1).max(86400).default(900),
    /** Visits still open after this many minutes are closed as auto_expired. */
    VISIT_MAX_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(240),
    /** Seed demo data on start: default yes outside production. */
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
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    if (env.JWT_SECRET === DEV_SECRETS.jwt) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be set to a secret of your own in production' });
    }
    if (env.SESSION_SECRET === DEV_SECRETS.session) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'must be set to a secret of your own in production' });
    }
    if (env.JWT_SECRET === env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'must differ from JWT_SECRET' });
    }
  });

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string;
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
  visitMaxMinutes: number;
  seedDemo: boolean;
  seedDemoActivity: boolean;
  migrateOnStart: boolean;
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  trustedProxies: string[];
  staticDir: string;
}

/** Parses an environment into a frozen Config; throws an Error that lists every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const port = e.PORT;
  const config: Config = {
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${port}`,
    database: e.DATABASE_URL
      ? { driver: 'pg', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, appRole: e.DATABASE_APP_ROLE, appPassword: e.DATABASE_APP_PASSWORD }
      : { driver: 'pglite', dataDir: e.DATA_DIR.startsWith('memory://') ? e.DATA_DIR : path.resolve(e.DATA_DIR), appRole: e.DATABASE_APP_ROLE },
    redisUrl: e.REDIS_URL,
    redisSharded: e.REDIS_SHARDED,
    // Without Redis there is no way to share events between workers, so one process.
    workers: e.REDIS_URL && e.DATABASE_URL ? (e.WEB_CONCURRENCY ?? os.availableParallelism()) : 1,
    nodeId: e.NODE_ID,
    jwt: {
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    },
    session: { secret: e.SESSION_SECRET, ttlHours: e.SESSION_TTL_HOURS },
    bcryptCost: e.BCRYPT_COST,
    corsOrigins: e.CORS_ORIGINS,
    baseDomain: e.BASE_DOMAIN,
    loginThrottle: { maxFailures: e.LOGIN_MAX_FAILURES, blockSeconds: e.LOGIN_BLOCK_SECONDS },
    visitMaxMinutes: e.VISIT_MAX_MINUTES,
    seedDemo: e.SEED_DEMO ?? !isProduction,
    seedDemoActivity: e.SEED_DEMO_ACTIVITY,
    migrateOnStart: e.MIGRATE_ON_START ?? !isProduction,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    trustedProxies: e.TRUSTED_PROXIES,
    staticDir: path.resolve(e.STATIC_DIR ?? 'dist/frontend'),
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
