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
  /** nginx access log: `<client address> <status> <upstream address> "<request>" <Idempotency-Key or ->` per line. */
  accessLog: string;
  /** nginx's stub_status page when nginxStatusPort was given. */
  statusUrl?: string;
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
  /** nginx's stub_status port on loopback, for the nginx exporter (default: a socket in nginx's folder). */
  nginxStatusPort?: number;
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
    // nginx reaches the nodes from 127.0.0.1; clients (tests) use other loopback addresses.
    TRUSTED_PROXIES: '127.0.0.1',
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
      env: {
        ...env,
        PORT: String(port),
        NODE_ID: nodeName(options.appPorts.indexOf(port)),
        NODE_NAME: nodeName(options.appPorts.indexOf(port)),
        METRICS_PORT: metricsPort ? String(metricsPort) : 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => log(`[node ${port}] ${d.toString().trimEnd()}`));
    child.stderr.on('data', (d: Buffer) => log(`[node ${port}] ${d.toString().trimEnd()}`));
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
        await waitFor(`http://127.0.0.1:${port}/readyz`, 180_000);
      },
    };
    return node;
  });
  // Generous: on a loaded machine two nodes of three processes each take a while to boot.
  await Promise.all(nodes.map((n) => waitFor(`http://127.0.0.1:${n.port}/readyz`, 180_000)));

  const site = renderSite({
    listen: `127.0.0.1:${options.nginxPort}`,
    statusListen: options.nginxStatusPort ? `127.0.0.1:${options.nginxStatusPort}` : `unix:${dir}/status.sock`,
    staticRoot,
    nodes: options.appPorts.map((p, i) => ({ name: nodeName(i), address: `127.0.0.1:${p}` })),
  });
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
  log_format upstream '$remote_addr $status $upstream_addr "$request" $http_idempotency_key';
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
  nginx.stderr.on('data', (d: Buffer) => log(`[nginx] ${d.toString().trimEnd()}`));
  const url = `http://127.0.0.1:${options.nginxPort}`;
  await waitFor(`${url}/healthz`, 15_000);

  return {
    url,
    accessLog: path.join(dir, 'access.log'),
    statusUrl: options.nginxStatusPort ? `http://127.0.0.1:${options.nginxStatusPort}/stub_status` : undefined,
    nodes,
    async stop() {
      nginx.kill('SIGQUIT');
      await Promise.all([exited(nginx), ...nodes.map((n) => (n.process.exitCode === null && n.process.signalCode === null ? n.stop('SIGTERM') : null))]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The name of the i-th node (its NODE_ID, the prefix of its Socket.IO session ids). */
export const nodeName = (i: number) => `app${i + 1}`;

/**
 * The site from nginx/templates/gymflow.conf.template for a list of nodes, filled in as the nginx image
 * fills it from the environment (docker-compose.yml spells the same values out for app1 and app2).
 */
export function renderSite(site: { listen: string; statusListen: string; staticRoot: string; nodes: { name: string; address: string }[] }): string {
  const server = (address: string, backup = false) => `server ${address} max_fails=1 fail_timeout=2s${backup ? ' backup' : ''};`;
  const vars: Record<string, string> = {
    NGINX_LISTEN: site.listen,
    NGINX_STATUS_LISTEN: site.statusListen,
    STATIC_ROOT: site.staticRoot,
    APP_UPSTREAMS: site.nodes.map((n) => server(n.address)).join(' '),
    APP_NODE_UPSTREAMS: site.nodes
      .map((n) => `upstream gymflow_${n.name} { ${[server(n.address), ...site.nodes.filter((o) => o !== n).map((o) => server(o.address, true))].join(' ')} keepalive 8; }`)
      .join('\n'),
    APP_NODE_ROUTES: site.nodes.map((n) => `~^${n.name}\\. gymflow_${n.name};`).join(' '),
  };
  const template = fs.readFileSync(path.join(root, 'nginx/templates/gymflow.conf.template'), 'utf8');
  return template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
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
    nginxStatusPort: 8081,
    appPorts: [3101, 3102],
    metricsPorts: [9464, 9465],
    seed: process.env.SEED_DEMO !== 'false',
    log: (line) => console.log(line),
  });
  console.log(`\nGymflow cluster: ${cluster.url} (nginx, stub_status on 127.0.0.1:8081) -> app nodes on 3101 and 3102, each with workers; metrics on 127.0.0.1:9464 and :9465.`);
  // `npm run cluster -- --monitoring`: Prometheus and the exporters as well (scripts/monitoring.ts).
  const { startMonitoring } = await import('./monitoring.js');
  const monitoring = process.argv.includes('--monitoring')
    ? await startMonitoring({
        metricsPorts: [9464, 9465], databaseUrl, redisUrl, prometheusPort: 9090, postgresExporterPort: 9187, redisExporterPort: 9121,
        nginx: { statusUrl: cluster.statusUrl!, exporterPort: 9113 }, log: (line) => console.log(line),
      })
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
