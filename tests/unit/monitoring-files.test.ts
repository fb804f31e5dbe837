/** The shipped Prometheus config and alert rules pass promtool; the dashboard names only real series. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const promtool = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('monitoring files', () => {
  it('promtool accepts prometheus.yml (with its rule file)', () => {
    expect(promtool('check', 'config', 'monitoring/prometheus.yml')).toContain('SUCCESS');
  });

  it('promtool accepts the alert rules, and every alert the README promises is there', () => {
    expect(promtool('check', 'rules', 'monitoring/alerts.yml')).toMatch(/SUCCESS: 5 rules found/);
    const rules = fs.readFileSync('monitoring/alerts.yml', 'utf8');
    for (const alert of ['PublisherLagHigh', 'HighServerErrorRate', 'NodeDown', 'DatabasePoolExhausted', 'RedisDown']) expect(rules).toContain(`alert: ${alert}`);
  });

  it('the dashboard is valid JSON whose panels all have a Prometheus query', () => {
    const dashboard = JSON.parse(fs.readFileSync('monitoring/grafana/gymflow-dashboard.json', 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});
