/**
 * The deployment files are checked by the tools that read them: docker-compose validates the compose
 * file (no engine needed) and nginx -t the rendered site template.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderSite } from '../../scripts/cluster.js';
import { IN_CI } from '../support/services.js';

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function requireTool(cmd: string): boolean {
  if (has(cmd)) return true;
  if (IN_CI) throw new Error(`CI needs ${cmd}`);
  console.warn(`\n*** SKIPPING the ${cmd} check: ${cmd} is not installed. It runs in CI. ***\n`);
  return false;
}

describe('deployment files', () => {
  const secrets: Record<string, string> = { POSTGRES_PASSWORD: 'owner-pw-1', DATABASE_APP_PASSWORD: 'app-pw-2', REDIS_PASSWORD: 'redis-pw-3', JWT_SECRET: 'jwt-4', SESSION_SECRET: 'session-5' };
  const renderCompose = (env: Record<string, string> | null) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    fs.copyFileSync('docker-compose.yml', path.join(dir, 'docker-compose.yml'));
    if (env) fs.writeFileSync(path.join(dir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
    return execFileSync('docker-compose', ['config'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  };
  const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

  it.runIf(requireTool('docker-compose'))('docker-compose accepts the compose file with its secrets from an env file, and refuses it without', () => {
    const compose = parse(renderCompose(secrets));
    // The monitoring profile's services are listed too (started only with --profile monitoring).
    expect(Object.keys(compose.services).sort()).toEqual(
      ['app1', 'app2', 'grafana', 'migrate', 'nginx', 'nginx-exporter', 'postgres', 'postgres-exporter', 'prometheus', 'redis', 'redis-exporter'],
    );
    // docker-compose is slow to start: two of the secrets stand for all of them.
    for (const name of ['REDIS_PASSWORD', 'JWT_SECRET']) {
      const { [name]: _left, ...missing } = secrets;
      expect(() => renderCompose(missing), name).toThrow();
    }
  }, 180_000);

  it.runIf(requireTool('docker-compose'))('gives each container only what it needs: app nodes the app role, the migration the owner', () => {
    const { services } = parse(renderCompose(secrets));
    for (const app of ['app1', 'app2']) {
      const env = services[app].environment as Record<string, string>;
      const all = JSON.stringify(services[app]);
      expect(all, app).not.toContain(secrets.POSTGRES_PASSWORD);
      expect(env.POSTGRES_PASSWORD, app).toBeUndefined();
      expect(new URL(env.DATABASE_URL!).username).toBe('gym_app');
      expect(env.REDIS_URL).toBe(`redis://:${secrets.REDIS_PASSWORD}@redis:6379`);
      expect([env.JWT_SECRET, env.SESSION_SECRET]).toEqual([secrets.JWT_SECRET, secrets.SESSION_SECRET]);
      expect(services[app].env_file).toBeUndefined();
      // The drain fits in the time compose waits before it kills.
      expect(seconds(services[app].stop_grace_period)).toBeGreaterThan(Number(env.DRAIN_SECONDS) + 10);
    }
    const migrate = services.migrate.environment as Record<string, string>;
    expect(new URL(migrate.DATABASE_URL!).username).toBe('gym_owner');
    expect(migrate.JWT_SECRET ?? migrate.SESSION_SECRET).toBeUndefined();
    expect(services.migrate.command).toEqual(['npm', 'run', 'migrate']);
  }, 120_000);

  it.runIf(requireTool('docker-compose'))('runs Redis with a password and the append-only file on a volume, and checks nginx health', () => {
    const { services, volumes } = parse(renderCompose(secrets));
    const redis = services.redis;
    const command = (redis.command as string[]).join(' ');
    expect(command).toContain(`--requirepass ${secrets.REDIS_PASSWORD}`);
    expect(command).toContain('--appendonly yes');
    expect(redis.volumes.map((v: string | { target: string }) => (typeof v === 'string' ? v.split(':')[1] : v.target))).toContain('/data');
    expect(Object.keys(volumes)).toContain('redisdata');
    expect(JSON.stringify(redis.healthcheck.test)).toContain('redis-cli ping');
    expect(services.nginx.healthcheck?.test).toBeTruthy();
    // stub_status is for the exporter on the compose network: its port is not published.
    const status = services.nginx.environment.NGINX_STATUS_LISTEN as string;
    expect(JSON.stringify(services['nginx-exporter'].command)).toContain(`http://nginx:${status}/stub_status`);
    expect(JSON.stringify(services.nginx.ports)).not.toContain(status);
  }, 120_000);

  it('builds images whose commands the README names: compiled migrate and seed, nginx without the stock server', () => {
    const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/npm pkg set scripts\.migrate="node dist\/db\/migrate\.js" scripts\.seed="node dist\/db\/seed\.js"/);
    expect(dockerfile).toMatch(/rm -f \/etc\/nginx\/conf\.d\/default\.conf/);
    // The build compiles db/ (migrate.ts, seed.ts) next to the backend.
    expect(JSON.parse(fs.readFileSync('tsconfig.build.json', 'utf8')).include).toContain('db');
    const readme = fs.readFileSync('README.md', 'utf8');
    expect(readme).toContain('docker compose run --rm migrate');
    expect(readme).toContain('docker compose run --rm migrate npm run seed');
  });

  it.runIf(requireTool('nginx'))('nginx accepts the rendered site template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
    const site = renderSite({
      listen: '127.0.0.1:18080',
      statusListen: '127.0.0.1:18081',
      staticRoot: dir,
      nodes: [{ name: 'app1', address: '127.0.0.1:3101' }, { name: 'app2', address: '127.0.0.1:3102' }],
    });
    expect(site).not.toMatch(/\$\{[A-Z_]+\}/);
    fs.writeFileSync(path.join(dir, 'site.conf'), site);
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {} http { include /etc/nginx/mime.types; access_log off; client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s; include ${dir}/site.conf; }`,
    );
    const out = execFileSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toBe('');
  });
});
