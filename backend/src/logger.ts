import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Structured JSON logs, one object per line, each naming its process once (pid), node and cluster
 * worker; secrets and credentials are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'metrics'>>): Logger {
  return pino({
    level: config.logLevel,
    base: { pid: process.pid, node: config.metrics?.nodeName, worker: cluster.worker?.id ?? 0 },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refresh_token', '*.access_token', '*.token'],
      censor: '[redacted]',
    },
  });
}
