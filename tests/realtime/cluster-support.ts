/**
 * The product's own entry point as a cluster (primary + workers sharing the port) on a port the test
 * chooses, so that the whole cluster can stop and start again on the same address. Processes and the
 * private redis-server come from tests/support/processes.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnProduct } from '../support/processes.js';

export { freePort, privateRedis, type PrivateRedis } from '../support/processes.js';

export interface Cluster {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the whole cluster to exit. */
  stop(): Promise<void>;
}

/** Starts `node backend/src/main.ts` as a cluster and resolves once it listens. */
export async function startCluster(env: { DATABASE_URL: string; REDIS_URL: string; PORT: number; WEB_CONCURRENCY?: number }): Promise<Cluster> {
  const { proc, output } = await spawnProduct(
    {
      PORT: String(env.PORT),
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      WEB_CONCURRENCY: String(env.WEB_CONCURRENCY ?? 2),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    45_000,
  );
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    proc,
    output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      const force = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      proc.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}
