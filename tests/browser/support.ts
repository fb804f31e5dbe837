/**
 * Browser-test support: builds the web app once when dist/frontend is missing or older than its sources,
 * launches Debian's Chromium through playwright-core, signs people in through the real login form, and
 * saves each screen at phone and desktop width into tests/browser/screenshots/.
 *
 * Every browser profile a test opens is watched: a page error, a console error or a failed request fails
 * that test when it ends, unless the test said it expects it (`expectProblems`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { isStale } from '../support/build-freshness.js';
import { CHROMIUM_PATH } from '../support/services.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST_INDEX = 'dist/frontend/index.html';
export const SHOTS = path.join(ROOT, 'tests/browser/screenshots');
const SOURCES = ['frontend', 'backend/src/contracts', 'vite.config.ts'];

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1440, height: 900 } as const;

interface Watch { problems: string[]; expected: RegExp[] }
const watches = new WeakMap<BrowserContext, Watch>();

/** Lets the problems matching these patterns (e.g. /401/ for a wrong password) pass in this profile. */
export function expectProblems(target: BrowserContext | Page, ...patterns: RegExp[]): void {
  const context = 'context' in target && typeof target.context === 'function' ? target.context() : (target as BrowserContext);
  watches.get(context)?.expected.push(...patterns);
}

function watch(context: BrowserContext): void {
  // Signed out, the app asks who it is and hears 401: the answer it expects, which Chromium logs anyway.
  const state: Watch = { problems: [], expected: [/status of 401 \(Unauthorized\) \(\S+\/auth\/me\)$/] };
  watches.set(context, state);
  const note = (problem: string) => state.problems.push(problem);
  const onPage = (page: Page) => {
    page.on('pageerror', (err) => note(`page error on ${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') note(`console error on ${page.url()}: ${msg.text()} (${msg.location().url})`);
    });
  };
  context.on('page', onPage);
  context.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed';
    // A request cut short by leaving or closing the page is not a failure of the app.
    if (reason !== 'net::ERR_ABORTED') note(`request failed: ${request.method()} ${request.url()} (${reason})`);
  });
  onTestFinished(() => {
    const unexpected = state.problems.filter((p) => !state.expected.some((pattern) => pattern.test(p)));
    if (unexpected.length) throw new Error(`The browser reported what the test did not expect:\n  ${unexpected.join('\n  ')}`);
  });
}

/** Builds the frontend unless dist/frontend is newer than every source file. */
export function ensureBuilt(): void {
  if (!isStale(ROOT, DIST_INDEX, SOURCES)) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser profile (own cookies and storage) at phone width, in English unless told. */
export async function newContext(
  browser: Browser,
  baseURL: string,
  options: { viewport?: { width: number; height: number }; locale?: string; serviceWorkers?: 'allow' | 'block' } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? PHONE,
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Europe/Athens',
    reducedMotion: 'reduce',
    // The service worker only where a test is about it: elsewhere every request goes straight to the server.
    serviceWorkers: options.serviceWorkers ?? 'block',
  });
  // Generous: the machines that run the suite are often loaded.
  context.setDefaultTimeout(20_000);
  watch(context);
  return context;
}

/** Signs in through the login form (tenant null: the platform admin) and waits for the signed-in shell. */
export async function signIn(page: Page, tenant: string | null, username: string, password: string): Promise<void> {
  await page.goto('/login');
  if (tenant === null) await page.getByLabel(/^(I run the platform|Διαχειρίζομαι την πλατφόρμα)/).check();
  else await page.getByLabel(/^(Gym|Γυμναστήριο)$/).fill(tenant);
  await page.getByLabel(/^(Username|Όνομα χρήστη)$/).fill(username);
  await page.getByLabel(/^(Password|Κωδικός)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|Σύνδεση)$/ }).click();
  await page.getByTestId('whoami').waitFor({ state: 'attached' });
}

/** Saves the current screen at phone and desktop width (full page), then restores the viewport. */
export async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const original = page.viewportSize() ?? PHONE;
  for (const [label, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size);
    // From the top (a sticky header otherwise lands mid-page), once layout and the chart's resize settle.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(250);
    await page.screenshot({
      path: path.join(SHOTS, `${name}-${label}.png`),
      fullPage: true,
      animations: 'disabled',
      // A full-page picture of a phone: the fixed tab bar belongs at the bottom of the page, not mid-way.
      style: 'body { position: relative; } .tabbar { position: absolute !important; }',
    });
  }
  await page.setViewportSize(original);
}
