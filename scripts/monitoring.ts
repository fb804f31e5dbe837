/**
 * Monitoring of the loopback topology: Debian's prometheus, prometheus-postgres-exporter,
 * prometheus-redis-exporter and prometheus-nginx-exporter (nginx's stub_status), on loopback ports,
 * scraping every app node's metrics port with the same alert rules as docker-compose
 * (monitoring/alerts.yml). `npm run cluster -- --monitoring` starts it with the cluster; tests import
 * startMonitoring().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface MonitoringOptions {
  /** The app nodes' metrics ports (METRICS_PORT of each node). */
  metricsPorts: number[];
  databaseUrl: string;
  redisUrl: string;
  prometheusPort: number;
  postgresExporterPort: number;
  redisExporterPort: number;
  /** nginx's stub_status page (Cluster.statusUrl) and the exporter's port. */
  nginx?: { statusUrl: string; exporterPort: number };
  /** Scrape and rule interval (default 15s; tests use 1s). */
  interval?: string;
  log?: (line: string) => void;
}

export interface Monitoring {
  /** Prometheus's HTTP API and UI. */
  url: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function startMonitoring(options: MonitoringOptions): Promise<Monitoring> {
  const log = options.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gymflow-prometheus-'));
  const interval = options.interval ?? '15s';
  const target = (port: number) => `"127.0.0.1:${port}"`;
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${interval}, evaluation_interval: ${interval} }
rule_files: ["${path.join(root, 'monitoring/alerts.yml')}"]
scrape_configs:
  - job_name: gymflow
    static_configs: [{ targets: [${options.metricsPorts.map(target).join(', ')}] }]
  - job_name: postgres
    static_configs: [{ targets: [${target(options.postgresExporterPort)}] }]
  - job_name: redis
    static_configs: [{ targets: [${target(options.redisExporterPort)}] }]
${options.nginx ? `  - job_name: nginx\n    static_configs: [{ targets: [${target(options.nginx.exporterPort)}] }]\n` : ''}`,
  );
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => log(`[${path.basename(cmd)}] ${d.toString().trimEnd()}`));
    children.push(child);
  };
  start('/usr/bin/prometheus-postgres-exporter', [`--web.listen-address=127.0.0.1:${options.postgresExporterPort}`], {
    ...process.env,
    DATA_SOURCE_NAME: `${options.databaseUrl}${options.databaseUrl.includes('?') ? '&' : '?'}sslmode=disable`,
  });
  start('/usr/bin/prometheus-redis-exporter', [`-redis.addr=${options.redisUrl}`, `-web.listen-address=127.0.0.1:${options.redisExporterPort}`]);
  if (options.nginx) {
    start('/usr/bin/prometheus-nginx-exporter', [`-nginx.scrape-uri=${options.nginx.statusUrl}`, `-web.listen-address=127.0.0.1:${options.nginx.exporterPort}`]);
  }
  start('/usr/bin/prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${options.prometheusPort}`,
  ]);
  const url = `http://127.0.0.1:${options.prometheusPort}`;
  await waitFor(`${url}/-/ready`, 60_000);
  return {
    url,
    async stop() {
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => {
            c.once('exit', resolve);
            c.kill('SIGTERM');
          }),
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
