/**
 * Metrics: the series an operator reads, after real requests and sockets; every series names its node
 * and worker; the internal metrics port answers and the public port refuses /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { loadConfig } from '../../backend/src/config.js';
import { createLogger } from '../../backend/src/logger.js';
import { serveMetrics, type MetricsServer } from '../../backend/src/metrics/index.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';

describe.runIf(withPostgres)('metrics', () => {
  let gym: GymFixture;
  let metrics: MetricsServer | null;
  let text = '';

  beforeAll(async () => {
    gym = await startGym({ env: { NODE_NAME: 'node-a' } });
    const config = loadConfig({ NODE_ENV: 'test', METRICS_PORT: '0', NODE_NAME: 'node-a', LOG_LEVEL: 'silent' });
    metrics = await serveMetrics(config, createLogger(config));

    const area = await gym.f.area(gym.demo, { booking_capacity: 1, slot_minutes: 60, capacity: 10 });
    const [a, b] = [await gym.person(), await gym.person()];
    const book = (token: string, key: string) =>
      gym.call('POST', '/api/book-room', { token, body: { room_id: area.id, date: athensDate(3), time: '10:00' }, headers: { 'idempotency-key': key } });
    expect((await book(a.token, 'm-1')).status).toBe(201);
    expect((await book(a.token, 'm-1')).headers.get('idempotent-replayed')).toBe('true');
    expect((await book(b.token, 'm-2')).status).toBe(409);
    expect((await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: a.id, area_id: area.id } })).status).toBe(201);

    // One socket refused (no credentials), one accepted and closed by the client.
    const refused = io(`${gym.url}/tenant/${gym.demo}`, { transports: ['polling'], forceNew: true, reconnection: false });
    await new Promise((resolve) => refused.once('connect_error', resolve));
    refused.close();
    const socket = io(`${gym.url}/tenant/${gym.demo}`, { auth: { token: gym.tokens.member }, transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.close();
    await new Promise((r) => setTimeout(r, 300));

    const res = await fetch(`http://127.0.0.1:${metrics!.port}/metrics`);
    expect(res.status).toBe(200);
    text = await res.text();
  }, 60_000);
  afterAll(async () => {
    await metrics?.close();
    await gym?.stop();
  });

  const line = (pattern: RegExp) => text.split('\n').find((l) => pattern.test(l));

  it('labels every series with its node and worker', () => {
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(50);
    for (const s of samples) expect(s, s).toMatch(/node="node-a".*worker="0"|worker="0".*node="node-a"/);
    expect(line(/^gymflow_build_info\{[^}]*version="\d+\.\d+\.\d+"[^}]*nodejs="/)).toBeTruthy();
  });

  it('counts HTTP by route, bookings made and refused by reason, replays and check-ins', () => {
    expect(line(/^gymflow_http_request_duration_seconds_count\{[^}]*route="\/api\/book-room"[^}]*status="201"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_bookings_total\{[^}]*outcome="made"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_bookings_total\{[^}]*outcome="refused",reason="slot_unavailable"[^}]*\} 1/)).toBeTruthy();
    expect(line(/^gymflow_idempotent_replays_total\{[^}]*route="\/api\/book-room"[^}]*\} 1/)).toBeTruthy();
    expect(line(/^gymflow_check_ins_total\{[^}]*outcome="made"[^}]*\} 1/)).toBeTruthy();
    // Socket.IO's own HTTP requests (long-polling) are timed too.
    expect(line(/^gymflow_http_request_duration_seconds_count\{[^}]*route="\/socket.io\/"/)).toBeTruthy();
  });

  it('counts handshakes, disconnects and replays, and reads the publisher lag', () => {
    expect(line(/^gymflow_socketio_handshakes_total\{[^}]*result="refused",reason="unauthorized"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_socketio_handshakes_total\{[^}]*result="accepted"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_socketio_disconnects_total\{[^}]*reason="client namespace disconnect"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_socketio_connected_sockets\{[^}]*transport="websocket",role="member"[^}]*\} 0/)).toBeTruthy();
    expect(line(/^gymflow_socketio_resumes_total\{[^}]*result="ok"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_publisher_lag_events\{[^}]*\} \d/)).toBeTruthy();
    expect(line(/^gymflow_publisher_lag_seconds\{[^}]*\} \d/)).toBeTruthy();
  });

  it('reports statements by kind, the pool and the latest migration', () => {
    expect(line(/^gymflow_db_query_duration_seconds_count\{[^}]*kind="select"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_db_pool_connections\{[^}]*state="max"[^}]*\} [1-9]/)).toBeTruthy();
    expect(line(/^gymflow_db_migration_info\{[^}]*name="\d{14}_[a-z_]+"/)).toBeTruthy();
  });

  it('reads the latest migration and people present from the database', async () => {
    const applied = (await gym.server.deps.db.knex('knex_migrations').orderBy('id').pluck('name')) as string[];
    expect(line(new RegExp(`^gymflow_db_migration_info\\{[^}]*name="${applied.at(-1)}"[^}]*\\} 1$`))).toBeTruthy();
    expect(line(/^gymflow_db_migrations_pending\{[^}]*\} 0$/)).toBeTruthy();
    // Every tenant's open visits, read tenant by tenant as the app sees them.
    let present = 0;
    const byGym: Record<string, number> = {};
    for (const [gymName, tenant] of [['demo', gym.demo], ['olympia', gym.olympia]] as const) {
      const [row] = await gym.server.deps.uow.inTenant(tenant, ({ trx }) => trx('visits').whereNull('checked_out_at').count<{ count: number }[]>('* as count'));
      byGym[gymName] = Number(row!.count);
      present += byGym[gymName]!;
    }
    expect(present).toBeGreaterThan(0);
    expect(line(/^gymflow_people_present\{/)).toMatch(new RegExp(`\\} ${present}$`));
    expect(line(/^gymflow_people_present_top\{[^}]*gym="demo"/)).toMatch(new RegExp(`\\} ${byGym.demo}$`));
  });

  it('refuses /metrics on the public port', async () => {
    const res = await fetch(`${gym.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('gymflow_');
  });
});
