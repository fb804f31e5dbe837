/**
 * Real processes for the cluster and reliability tests, all of them our own so that killing and
 * restarting them disturbs nobody else: a PostgreSQL cluster in a temp folder on its own port (initdb +
 * pg_ctl, run as the postgres user), a redis-server on its own port, and the product's cluster
 * (`backend/src/main.ts`: a primary and WEB_CONCURRENCY workers) whose workers we can kill or roll.
 * Every process is ended by its own pid.
 */
import { widenBookingRulesAt } from './booking-rules.js';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { TEST_SECRETS } from './secrets.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- PostgreSQL

export interface PrivatePostgres {
  url: string;
  port: number;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function pgBin(name: string): string {
  const versions = fs.readdirSync('/usr/lib/postgresql').sort();
  return `/usr/lib/postgresql/${versions.at(-1)}/bin/${name}`;
}

/** Runs a PostgreSQL tool as the postgres user (initdb and the server refuse root), without blocking the event loop. */
function asPostgres(cmd: string, args: string[]): Promise<void> {
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { encoding: 'utf8' }, (err, _stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message} ${stderr}`)) : resolve()));
  });
}

/** A PostgreSQL of our own (trust auth on loopback), in a fresh temp folder. */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync('/tmp/gymflow-reliability-pg-');
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  await asPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await asPostgres(pgBin('pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', 'start']);
    await waitFor('postgres to listen', () => portOpen(port), 20_000);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      await asPostgres(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      await start();
    },
    async stop() {
      try {
        await asPostgres(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- Redis

export interface PrivateRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL: the outage a crash or a network cut looks like. */
  kill(): Promise<void>;
  running(): boolean;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const self: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor('redis to listen', () => portOpen(port), 10_000);
    },
    async kill() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    },
    running: () => proc !== null,
  };
  await self.start();
  return self;
}

// ---------------------------------------------------------------- the product's cluster

export interface ProductCluster {
  url: string;
  primary: ChildProcess;
  output(): string;
  /** The live worker pids (children of the primary). */
  workers(): number[];
  /** SIGKILLs one worker and waits until the primary has replaced it. */
  killWorker(pid?: number): Promise<{ killed: number; replacedInMs: number }>;
  /** SIGTERMs every worker in turn, each time waiting for its replacement. */
  roll(): Promise<{ rolled: number[]; ms: number }>;
  stop(): Promise<void>;
}

/** The cluster workers among a process's children (tsx also runs an esbuild service as a child). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('main.ts') && !line.includes('esbuild'))
      .map((line) => Number(line.trim().split(/\s+/)[0]))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/**
 * Starts `backend/src/main.ts` in server mode with the test defaults and `env`, and resolves once it
 * prints its banner. Its output is kept (the last megabytes) for failure messages.
 */
export async function spawnProduct(env: Record<string, string>, timeoutMs: number): Promise<{ proc: ChildProcess; output(): string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    cwd: ROOT,
    // No drain period unless a test asks for one: stopping and rolling stay quick. These clusters open
    // many sockets and replays with one login each; the per-person caps have tests of their own.
    env: {
      PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', BCRYPT_COST: '4', SEED_DEMO: 'true', SEED_DEMO_ACTIVITY: 'false',
      DRAIN_SECONDS: '0', SOCKETS_PER_PERSON: '10000', REPLAY_EVENTS_PER_MINUTE: '10000000', ...TEST_SECRETS, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not start in time:\n${out.slice(-3000)}`)), timeoutMs);
    const check = () => {
      if (out.includes('Gymflow is running at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the cluster exited with ${code}:\n${out.slice(-3000)}`));
    });
  });
  if (env.DATABASE_URL && (env.SEED_DEMO ?? 'true') === 'true') await widenBookingRulesAt(env.DATABASE_URL);
  return { proc, output: () => out };
}

export async function startProductCluster(env: { DATABASE_URL: string; REDIS_URL: string; WEB_CONCURRENCY?: number; extra?: Record<string, string> }): Promise<ProductCluster> {
  const port = await freePort();
  const workers = env.WEB_CONCURRENCY ?? 2;
  const { proc: primary, output } = await spawnProduct(
    {
      PORT: String(port),
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      WEB_CONCURRENCY: String(workers),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      ...env.extra,
    },
    90_000,
  );
  const url = `http://127.0.0.1:${port}`;
  const alive = () => childrenOf(primary.pid!);
  /** Waits until `count` workers run and none of `gone` is among them, then until the cluster answers. */
  const settle = async (gone: number[]) => {
    let fresh: number[] = [];
    await waitFor('the primary to replace its worker', () => {
      const now = alive();
      fresh = now.filter((p) => !before.includes(p));
      return now.length >= workers && !now.some((p) => gone.includes(p));
    }, 60_000);
    // Then until a new worker answers (it boots: database, Redis, routes): connections go to the
    // listening workers in turn, so a probe lands on the fresh one once it listens.
    await waitFor('a new worker to answer', async () => {
      const worker = await new Promise<number>((resolve) => {
        const req = http.get(`${url}/socket.io/?EIO=4&transport=polling`, { agent: false, timeout: 2000 }, (res) => {
          res.resume();
          resolve(Number(res.headers['x-worker']));
        });
        req.on('error', () => resolve(0));
        req.on('timeout', () => req.destroy());
      });
      if (!fresh.includes(worker)) await sleep(100);
      return fresh.includes(worker);
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message} (workers ${alive().join(',')}, fresh ${fresh.join(',')}):\n${output().slice(-4000)}`);
    });
  };
  let before: number[] = [];
  return {
    url,
    primary,
    output,
    workers: alive,
    async killWorker(pid) {
      const victim = pid ?? alive()[0]!;
      before = alive();
      const started = Date.now();
      process.kill(victim, 'SIGKILL');
      await settle([victim]);
      return { killed: victim, replacedInMs: Date.now() - started };
    },
    async roll() {
      const started = Date.now();
      const rolled: number[] = [];
      for (const pid of alive()) {
        before = alive();
        process.kill(pid, 'SIGTERM');
        rolled.push(pid);
        await settle(rolled);
      }
      return { rolled, ms: Date.now() - started };
    },
    async stop() {
      if (primary.exitCode !== null || primary.signalCode !== null) return;
      const exited = new Promise((r) => primary.once('exit', r));
      primary.kill('SIGTERM');
      const force = setTimeout(() => {
        for (const pid of alive()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        primary.kill('SIGKILL');
      }, 25_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** A database of its own on a PostgreSQL server (the private one or the shared one). */
export async function createDatabaseOn(adminUrl: string, name: string): Promise<string> {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
