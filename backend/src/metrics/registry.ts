/**
 * The Prometheus registry of this process (prom-client), labelled with the node and worker it comes
 * from, and the node's internal metrics server. In a cluster the primary serves the metrics port and
 * aggregates its workers' registries (AggregatorRegistry); every series keeps its worker label, so
 * nothing is summed away. The public port never answers /metrics.
 */
import { execFileSync } from 'node:child_process';
import cluster from 'node:cluster';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import client from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'gymflow_' });

/** The cluster worker id; 0 for a primary or a single process. */
export const workerId = (): string => String(cluster.worker?.id ?? 0);

/** Labels every series of this process with its node and worker. */
export function labelProcess(config: Pick<Config, 'metrics'>): void {
  registry.setDefaultLabels({ node: config.metrics.nodeName, worker: workerId() });
}

/** The version, and the commit from GIT_COMMIT (set at image build) or the checkout, if any. */
function buildCommit(): string {
  if (process.env.GIT_COMMIT) return process.env.GIT_COMMIT.slice(0, 40);
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
  } catch {
    return 'unknown';
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const buildInfo = new client.Gauge({
  name: 'gymflow_build_info',
  help: 'Always 1; the labels name the running build',
  labelNames: ['version', 'commit', 'nodejs'] as const,
  registers: [registry],
});
buildInfo.set({ version: version(), commit: buildCommit(), nodejs: process.versions.node }, 1);

const REQUEST = 'gymflow:metrics-request';
const ANSWER = 'gymflow:metrics-answer';

// Workers answer the primary's AggregatorRegistry with this registry.
if (cluster.isWorker) {
  client.AggregatorRegistry.setRegistries([registry]);
  new client.AggregatorRegistry();
}

/** The Prometheus text of this node: every worker in a cluster primary, else this process. */
export function nodeMetrics(): Promise<string> {
  if (cluster.isPrimary && Object.keys(cluster.workers ?? {}).length > 0) return aggregator().clusterMetrics();
  if (!cluster.isWorker || !process.send) return registry.metrics();
  return askPrimary();
}

let clusterAggregator: client.AggregatorRegistry<typeof client.Registry.PROMETHEUS_CONTENT_TYPE> | undefined;
const aggregator = () => (clusterAggregator ??= new client.AggregatorRegistry());

let nextRequest = 0;
/** A worker asks its primary for the node's figures (tests read them through a worker). */
function askPrimary(): Promise<string> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string } | null) => {
      if (message?.type !== ANSWER || message.id !== id) return;
      process.off('message', onMessage);
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the cluster primary did not answer for metrics'));
    }, 5000);
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id });
  });
}

/** In a cluster primary: answers workers that ask for the node's figures. */
export function aggregateWorkerMetrics(): void {
  cluster.on('message', (worker, message: { type?: string; id?: number } | null) => {
    if (message?.type !== REQUEST) return;
    aggregator().clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text }),
      (err: unknown) => worker.send({ type: ANSWER, id: message.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The node's metrics on their own port (config.metrics), for Prometheus on the internal network: run
 * by the cluster primary (or the single process). A port that cannot be bound is logged, not fatal:
 * the product serves its users without metrics.
 */
export async function serveMetrics(config: Readonly<Config>, log: Logger): Promise<MetricsServer | null> {
  if (cluster.isPrimary && config.workers > 1) aggregateWorkerMetrics();
  if (config.metrics.port === null) return null;
  labelProcess(config);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    nodeMetrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        log.warn({ err }, 'collecting metrics failed');
        res.writeHead(500).end();
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.metrics.port!, config.metrics.host, () => resolve());
    });
  } catch (err) {
    log.error({ err: (err as Error).message, port: config.metrics.port }, 'metrics port unavailable; metrics are not served');
    return null;
  }
  server.unref();
  const { port } = server.address() as { port: number };
  log.info({ host: config.metrics.host, port }, 'metrics listening');
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
