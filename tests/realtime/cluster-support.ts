/**
 * Real processes for the cluster tests: the product's own entry point (primary + workers sharing the
 * port) on a free port, and a private redis-server that a test may stop and start without
 * disturbing anybody else's Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

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

function waitForExit(proc: ChildProcess, timeoutMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface Cluster {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the whole cluster to exit. */
  stop(): Promise<void>;
}

/** Starts `node backend/src/main.ts` as a cluster and resolves once it listens. */
export async function startCluster(env: { DATABASE_URL: string; REDIS_URL: string; PORT: number; WEB_CONCURRENCY?: number }): Promise<Cluster> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(env.PORT),
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      WEB_CONCURRENCY: String(env.WEB_CONCURRENCY ?? 2),
      BCRYPT_COST: '4',
      SEED_DEMO: 'true',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not start in time:\n${out}`)), 45_000);
    const check = () => {
      if (out.includes('Gymflow is running at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the cluster exited with ${code}:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    proc,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      await waitForExit(proc, 20_000);
    },
  };
}

export interface PrivateRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of our own on a free port (no persistence), started and stopped at will. */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  const self: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await ping()); i++) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      p.kill('SIGKILL');
      await waitForExit(p, 5000);
    },
  };
  await self.start();
  return self;
}
