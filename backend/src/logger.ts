import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Structured JSON logs, one object per line, each naming its process once (pid), node and cluster
 * worker; secrets and credentials are redacted wherever they appear. Written asynchronously: lines
 * that come while a write is under way go out together in the next one (a write per request line was a
 * measurable part of a booking's CPU), and pino flushes what is left when the process exits.
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'metrics'>>): Logger {
  return pino({
    level: config.logLevel,
    base: { pid: process.pid, node: config.metrics?.nodeName, worker: cluster.worker?.id ?? 0 },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refresh_token', '*.access_token', '*.token'],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 1, sync: false }));
}
