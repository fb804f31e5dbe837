/**
 * The deployment files are checked by the tools that read them: docker-compose validates the compose
 * file (no engine needed) and nginx -t the rendered site template.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
  it.runIf(requireTool('docker-compose'))('docker-compose accepts the compose file with its secrets from an env file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    fs.copyFileSync('docker-compose.yml', path.join(dir, 'docker-compose.yml'));
    fs.writeFileSync(path.join(dir, '.env'), 'POSTGRES_PASSWORD=p\nDATABASE_APP_PASSWORD=a\nJWT_SECRET=' + 'j'.repeat(40) + '\nSESSION_SECRET=' + 's'.repeat(40) + '\n');
    const out = execFileSync('docker-compose', ['config', '--services'], { cwd: dir, encoding: 'utf8' });
    expect(out.trim().split('\n').sort()).toEqual(['app1', 'app2', 'migrate', 'nginx', 'postgres', 'redis']);
    // Without the secrets it refuses to render.
    fs.rmSync(path.join(dir, '.env'));
    expect(() => execFileSync('docker-compose', ['config'], { cwd: dir, stdio: 'pipe' })).toThrow();
  });

  it.runIf(requireTool('nginx'))('nginx accepts the rendered site template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
    const site = renderSite({
      listen: '127.0.0.1:18080',
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
