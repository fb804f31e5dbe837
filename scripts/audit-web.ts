/**
 * `npm run audit:web`: Lighthouse (mobile) on the sign-in page and a member's home, against a server
 * of this build on an in-memory database with the lively demo. Prints the scores and fails below
 * performance 95, accessibility 100, best practices 100. Chromium: CHROMIUM_PATH or /usr/bin/chromium.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { loadConfig } from '../backend/src/config.js';
import { startServer } from '../backend/src/server.js';

const TARGETS = { performance: 95, accessibility: 100, 'best-practices': 100 } as const;
// The flags of tests/browser/support.ts.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!fs.existsSync('dist/frontend/index.html')) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'true', BCRYPT_COST: '4', LOG_LEVEL: 'silent' });
const server = await startServer(config);
const base = `http://localhost:${server.port}`;

// A member's web session, as the login form gets it.
const login = await fetch(`${base}/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ tenant: 'demo', username: 'member', password: 'member123' }),
});
if (!login.ok) throw new Error(`sign-in answered ${login.status}`);
const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromeFlags: FLAGS });
/** Set inside the loop below: any page under a target fails the run. */
const outcome = { failed: false };
try {
  for (const [name, path, headers] of [['sign-in', '/login', undefined], ['member home', '/', { Cookie: cookie }]] as const) {
    const result = await lighthouse(`${base}${path}`, {
      port: chrome.port, output: 'json', logLevel: 'error', formFactor: 'mobile',
      onlyCategories: Object.keys(TARGETS), extraHeaders: headers,
    });
    if (!result) throw new Error(`Lighthouse gave no result for ${name}`);
    const { categories, audits } = result.lhr;
    const scores = Object.entries(TARGETS).map(([id, target]) => {
      const score = Math.round((categories[id]?.score ?? 0) * 100);
      if (score < target) outcome.failed = true;
      return `${id} ${score}${score < target ? ` (< ${target})` : ''}`;
    });
    console.log(`${name.padEnd(12)} ${scores.join(', ')}`);
    for (const id of Object.keys(TARGETS)) {
      for (const ref of categories[id]?.auditRefs ?? []) {
        const audit = audits[ref.id];
        if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1) console.log(`  ${id}: ${audit.id} ${Math.round(audit.score * 100)} ${audit.displayValue ?? ''}`);
      }
    }
  }
} finally {
  chrome.kill();
  await server.close();
}
process.exit(outcome.failed ? 1 : 0);
