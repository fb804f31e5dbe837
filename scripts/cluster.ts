/**
 * The production topology on one machine, with real processes on loopback: Debian's nginx in front of
 * two app nodes (each a cluster primary with its workers), one PostgreSQL, one Redis. The same nginx
 * template as docker-compose. `npm run cluster` starts it and keeps it up until Ctrl-C; tests import
 * startCluster().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { randomSecret } from '../backend/src/secrets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ClusterNode {
  port: number;
  process: ChildProcess;
  /** Sends a signal and resolves when the node's primary has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the node again on the same port after a stop. */
  restart(): Promise<void>;
}

export interface Cluster {
  url: string;
  /** nginx access log: `<client address> <status> <upstream address> "<request>"` per line. */
  accessLog: string;
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  nginxPort: number;
  appPorts: number[];
  workers?: number;
  env?: Record<string, string>;
  /** Where the SPA build is; nginx serves it from disk. */
  staticRoot?: string;
  /** Each node's internal metrics port, in the order of appPorts (default: none). */
  metricsPorts?: number[];
  /** Seed the demo data once before the nodes start. */
  seed?: boolean;
  log?: (line: string) => void;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gymflow-nginx-'));
  const staticRoot = options.staticRoot ?? path.join(root, 'dist/frontend');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    WEB_CONCURRENCY: String(options.workers ?? 2),
    MIGRATE_ON_START: 'false',
    TRUST_PROXY: 'true',
    HOST: '127.0.0.1',
    // Every node gets the same ones: a token or session of one node is good on the other.
    JWT_SECRET: process.env.JWT_SECRET ?? randomSecret(),
    SESSION_SECRET: process.env.SESSION_SECRET ?? randomSecret(),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    STATIC_DIR: staticRoot,
    ...options.env,
    // Seeding, like migrating, happens once here, never in every node.
    SEED_DEMO: 'false',
  };

  // Migrations run once, here, before any node starts.
  await run(process.execPath, ['--import', 'tsx', path.join(root, 'db/migrate.ts')], env);
  if (options.seed) await run(process.execPath, ['--import', 'tsx', path.join(root, 'db/seed.ts')], { ...env, BCRYPT_COST: env.BCRYPT_COST ?? '10' });

  const startNode = (port: number): ChildProcess => {
    const metricsPort = options.metricsPorts?.[options.appPorts.indexOf(port)];
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'backend/src/main.ts')], {
      env: { ...env, PORT: String(port), NODE_NAME: `node-${port}`, METRICS_PORT: metricsPort ? String(metricsPort) : 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => log(`[node ${port}] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => log(`[node ${port}] ${d.toString().trimEnd()}`));
    return child;
  };

  const nodes: ClusterNode[] = options.appPorts.map((port) => {
    const node: ClusterNode = {
      port,
      process: startNode(port),
      async stop(signal = 'SIGTERM') {
        node.process.kill(signal);
        return exited(node.process);
      },
      async restart() {
        node.process = startNode(port);
        await waitFor(`http://127.0.0.1:${port}/readyz`, 60_000);
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => waitFor(`http://127.0.0.1:${n.port}/readyz`, 60_000)));

  const template = fs.readFileSync(path.join(root, 'nginx/templates/gymflow.conf.template'), 'utf8');
  const site = template
    .replaceAll('${NGINX_LISTEN}', `127.0.0.1:${options.nginxPort}`)
    .replaceAll('${STATIC_ROOT}', staticRoot)
    .replaceAll('${APP_UPSTREAMS}', options.appPorts.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n    '));
  fs.writeFileSync(path.join(dir, 'gymflow.conf'), site);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format upstream '$remote_addr $status $upstream_addr "$request"';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/gymflow.conf;
}
`,
  );
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stderr?.on('data', (d: Buffer) => log(`[nginx] ${d.toString().trimEnd()}`));
  const url = `http://127.0.0.1:${options.nginxPort}`;
  await waitFor(`${url}/healthz`, 15_000);

  return {
    url,
    accessLog: path.join(dir, 'access.log'),
    nodes,
    async stop() {
      nginx.kill('SIGQUIT');
      await Promise.all([exited(nginx), ...nodes.map((n) => (n.process.exitCode === null && n.process.signalCode === null ? n.stop('SIGTERM') : null))]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  await client.end();
}

// `npm run cluster`: the topology on loopback until Ctrl-C.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gymflow_cluster';
  await ensureDatabase(databaseUrl);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const cluster = await startCluster({
    databaseUrl,
    redisUrl,
    nginxPort: Number(process.env.NGINX_PORT ?? 8080),
    appPorts: [3101, 3102],
    metricsPorts: [9464, 9465],
    seed: process.env.SEED_DEMO !== 'false',
    log: (line) => console.log(line),
  });
  console.log(`\nGymflow cluster: ${cluster.url} (nginx) -> app nodes on 3101 and 3102, each with workers; metrics on 127.0.0.1:9464 and :9465.`);
  // `npm run cluster -- --monitoring`: Prometheus and the exporters as well (scripts/monitoring.ts).
  const { startMonitoring } = await import('./monitoring.js');
  const monitoring = process.argv.includes('--monitoring')
    ? await startMonitoring({ metricsPorts: [9464, 9465], databaseUrl, redisUrl, prometheusPort: 9090, postgresExporterPort: 9187, redisExporterPort: 9121, log: (line) => console.log(line) })
    : null;
  if (monitoring) console.log(`Prometheus: ${monitoring.url}`);
  const stop = async () => {
    await monitoring?.stop();
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
