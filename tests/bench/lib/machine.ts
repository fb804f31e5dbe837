/** What the figures ran on: they mean little without it. */
import os from 'node:os';
import fs from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  /** Other load on the machine when the run started, and when it ended (the run itself adds up to ~2). */
  loadAverage: string;
  loadAverageEnd?: string;
  fileLimit: string;
}

export async function describeMachine(pgUrl: string, redisUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  const redis = new Redis(redisUrl);
  const info = await redis.info('server');
  redis.disconnect();
  let fileLimit = '?';
  try {
    const m = /Max open files\s+(\d+)\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) fileLimit = m[1]!;
  } catch { /* not Linux */ }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: rows[0]!.server_version.split(' ')[0]!,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    fileLimit,
  };
}
