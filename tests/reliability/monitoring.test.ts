/**
 * Monitoring of the production topology on loopback: nginx in front of two app nodes (scripts/cluster.ts)
 * on a private PostgreSQL, with Debian's Prometheus and exporters (scripts/monitoring.ts). Prometheus
 * scrapes both nodes' internal metrics ports and nginx's internal stub_status, every dashboard panel's query returns data after some
 * traffic, nginx's request id reaches the app's log, a PostgreSQL restart logs only JSON, and /metrics is
 * refused on the public site.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { startCluster, type Cluster } from '../../scripts/cluster.js';
import { startMonitoring, type Monitoring } from '../../scripts/monitoring.js';
import { migrations } from '../../db/migrations/index.js';
import { ensureBuilt } from '../browser/support.js';
import { createDatabaseOn, freePort, privatePostgres, sleep, type PrivatePostgres } from '../support/processes.js';
import { IN_CI, REDIS_URL, withPostgres, withRedis } from '../support/services.js';

function hasTools(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nginx && command -v prometheus && command -v prometheus-postgres-exporter && command -v prometheus-redis-exporter && command -v prometheus-nginx-exporter'], { stdio: 'ignore' });
    return true;
  } catch {
    if (IN_CI) throw new Error('CI needs nginx, prometheus and the exporters');
    console.warn('\n*** SKIPPING the monitoring topology: nginx or prometheus is not installed. It runs in CI. ***\n');
    return false;
  }
}

describe.runIf(withPostgres && withRedis && hasTools())('monitoring the loopback topology', () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster;
  let monitoring: Monitoring;
  let metricsPorts: number[];
  /** Every line the nodes printed, in order. */
  const lines: string[] = [];
  const sockets: Socket[] = [];

  const api = async (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.body) headers.set('content-type', 'application/json');
    return fetch(`${cluster.url}${path}`, { ...init, headers });
  };
  const query = async (expr: string): Promise<unknown[]> => {
    const res = await fetch(`${monitoring.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  };

  let token = '';
  let tenantId = '';

  beforeAll(async () => {
    ensureBuilt();
    postgres = await privatePostgres();
    const databaseUrl = await createDatabaseOn(postgres.url, 'gymflow_monitoring');
    const [nginxPort, statusPort, portA, portB, metricsA, metricsB, prometheusPort, pgExporter, redisExporter, nginxExporter] = await Promise.all(
      Array.from({ length: 10 }, () => freePort()),
    );
    metricsPorts = [metricsA!, metricsB!];
    cluster = await startCluster({
      databaseUrl,
      redisUrl: REDIS_URL,
      nginxPort: nginxPort!,
      nginxStatusPort: statusPort!,
      appPorts: [portA!, portB!],
      metricsPorts,
      workers: 2,
      seed: true,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'info' },
      log: (chunk) => {
        const text = chunk.replace(/^\[node \d+\] /, '');
        if (!chunk.startsWith('[node ')) return;
        for (const l of text.split('\n')) if (l.trim()) lines.push(l);
      },
    });
    monitoring = await startMonitoring({
      metricsPorts, databaseUrl, redisUrl: REDIS_URL, prometheusPort: prometheusPort!, postgresExporterPort: pgExporter!, redisExporterPort: redisExporter!, interval: '1s',
      nginx: { statusUrl: cluster.statusUrl!, exporterPort: nginxExporter! },
    });

    const login = await api('/api/auth/login', { method: 'POST', body: JSON.stringify({ tenant: 'demo', username: 'owner', password: 'owner123' }) });
    expect(login.status).toBe(200);
    const session = ((await login.json()) as { data: { access_token: string; user: { tenant_id: string } } }).data;
    token = session.access_token;
    tenantId = session.user.tenant_id;
  }, 240_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await monitoring?.stop();
    await cluster?.stop();
    await postgres?.stop();
  }, 120_000);

  it('scrapes both nodes, and every dashboard panel has data after some traffic', async () => {
    // Traffic: sockets (one refused), reads, and changes whose events reach the sockets.
    for (let i = 0; i < 4; i++) {
      const socket = io(`${cluster.url}/tenant/${tenantId}`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      sockets.push(socket);
    }
    const refused = io(`${cluster.url}/tenant/${tenantId}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise((resolve) => refused.once('connect_error', resolve));
    refused.close();
    const areas = ((await (await api('/api/gym-status', { token })).json()) as { data: { areas: Array<{ id: string }> } }).data.areas;
    for (let i = 0; i < 10; i++) {
      expect((await api('/api/gym-status', { token })).status).toBe(200);
      await api('/api/nowhere', { token });
    }
    const me = ((await (await api('/api/auth/me', { token })).json()) as { data: { user?: { id: string }; id?: string } }).data;
    const userId = me.user?.id ?? me.id!;
    // A booking (made or refused, both counted) and a check-in that stays open: people present.
    const date = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await api('/api/book-room', { method: 'POST', token, headers: { 'idempotency-key': 'monitoring-1' }, body: JSON.stringify({ room_id: areas[0]!.id, date, time: '10:00' }) });
    expect((await api('/api/visits', { method: 'POST', token, body: JSON.stringify({ user_id: userId, area_id: areas[0]!.id }) })).status).toBe(201);

    // Both nodes are up in Prometheus, each under its own node label.
    for (let waited = 0; ; waited += 500) {
      const up = (await query('up{job="gymflow"} == 1')) as Array<{ metric: { instance: string } }>;
      const nodes = (await query('count by (node) (gymflow_build_info)')) as unknown[];
      if (up.length === 2 && nodes.length === 2) break;
      if (waited > 60_000) throw new Error(`Prometheus sees ${up.length} nodes up and ${nodes.length} node labels`);
      await sleep(500);
    }

    const dashboard = JSON.parse(fs.readFileSync('monitoring/grafana/gymflow-dashboard.json', 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
    const missing = new Set(exprs.map((e) => e.expr));
    for (let waited = 0; missing.size > 0 && waited < 90_000; waited += 1000) {
      for (const expr of [...missing]) if ((await query(expr)).length > 0) missing.delete(expr);
      if (missing.size) await sleep(1000);
    }
    expect([...missing], 'panel queries without data').toEqual([]);
    console.log(`monitoring: ${exprs.length} panel queries over ${dashboard.panels.length} panels all returned data`);

    // The figures read from the database and nginx are the real ones, the same on every worker.
    const values = async (expr: string) => ((await query(expr)) as Array<{ value: [number, string] }>).map((r) => Number(r.value[1]));
    await expect.poll(() => values('min(gymflow_people_present) >= 1 and max(gymflow_people_present) == min(gymflow_people_present)')).toHaveLength(1);
    await expect.poll(() => values('max(gymflow_people_present_top{gym="demo"})')).toEqual([expect.any(Number)]);
    const latest = migrations.at(-1)!.name;
    // Every worker that reports at all names the database's latest migration.
    expect(await values(`count(gymflow_db_migration_info{name="${latest}"}) == count(gymflow_build_info)`)).toHaveLength(1);
    expect(await values('max(gymflow_db_migrations_pending)')).toEqual([0]);
    expect(await values('min(nginx_up)')).toEqual([1]);
    await expect.poll(() => values('max(nginx_http_requests_total)')).toEqual([expect.any(Number)]);
  }, 240_000);

  it('logs a request through nginx as one JSON line with nginx\'s request id, the caller and the node', async () => {
    const res = await api('/api/gym-status', { token });
    const requestId = res.headers.get('x-request-id')!;
    // nginx's $request_id: 32 hex digits (the app's own ids are UUIDs).
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    let entry: Record<string, unknown> | undefined;
    for (let waited = 0; !entry && waited < 10_000; waited += 100) {
      entry = lines.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return undefined; } }).find((e) => e?.requestId === requestId);
      if (!entry) await sleep(100);
    }
    expect(entry).toMatchObject({ msg: 'request', route: '/api/gym-status', status: 200, tenantId, role: 'owner' });
    expect(entry!.userId).toBeTruthy();
    expect(entry!.durationMs).toBeTypeOf('number');
    // scripts/cluster.ts names its nodes app1 and app2 (NODE_NAME, as NODE_ID in compose).
    expect(String(entry!.node)).toMatch(/^app[12]$/);
    expect(Number(entry!.worker)).toBeGreaterThan(0);
    expect(entry!.pid).toBeTypeOf('number');
  });

  it('logs only JSON lines while PostgreSQL restarts', async () => {
    const from = lines.length;
    const restart = postgres.restart();
    // Requests during and after the restart: some answer 503, all are logged.
    for (let i = 0; i < 20; i++) {
      await api('/api/gym-status', { token }).catch(() => undefined);
      await sleep(100);
    }
    await restart;
    for (let i = 0; i < 10; i++) {
      await api('/api/gym-status', { token }).catch(() => undefined);
      await sleep(200);
    }
    const during = lines.slice(from);
    const notJson = during.filter((l) => { try { return typeof JSON.parse(l) !== 'object'; } catch { return true; } });
    expect(during.length).toBeGreaterThan(10);
    expect(notJson, notJson.slice(0, 5).join('\n')).toEqual([]);
  }, 120_000);

  it('refuses /metrics on the public site and on the nodes\' public ports; serves it on the metrics ports', async () => {
    expect((await api('/metrics')).status).toBe(404);
    // nginx's own counters are on its internal listener only.
    expect(await (await api('/stub_status')).text()).not.toContain('Active connections');
    expect(await (await fetch(cluster.statusUrl!)).text()).toMatch(/^Active connections: \d+/);
    for (const node of cluster.nodes) expect((await fetch(`http://127.0.0.1:${node.port}/metrics`)).status).toBe(404);
    for (const port of metricsPorts) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/gymflow_build_info\{[^}]*worker="[12]"/);
    }
  });
});
