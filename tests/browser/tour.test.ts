/**
 * Every screen of every role, at phone (390×844) and desktop (1440×900) size, in English and Greek, on
 * the lively demo (visits, people inside, a week of bookings): each is saved to
 * tests/browser/screenshots/tour-<role>-<screen>-<lang>-<size>.png for a reviewer, checked by axe-core,
 * and watched for page errors, console errors and failed requests (support.ts). Then the installed app
 * is opened offline: the shell comes from the service worker with the last known state, marked not live.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { requireService, withPostgres } from '../support/services.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, ensureBuilt, expectProblems, launchBrowser, newContext, PHONE, SHOTS, signIn } from './support.js';

const withChromium = await requireService('chromium');

interface Screen { name: string; path: string; ready: (page: Page) => Promise<unknown>; open?: (page: Page) => Promise<unknown> }
type Login = [tenant: string | null, username: string, password: string] | 'display' | null;
const ROLES: Array<{ role: string; login: Login; screens: Screen[] }> = [
  { role: 'visitor', login: null, screens: [{ name: 'login', path: '/login', ready: (p) => p.locator('form').first().waitFor() }] },
  {
    role: 'member', login: ['demo', 'member', 'member123'], screens: [
      { name: 'home', path: '/', ready: (p) => p.getByTestId('area-bar').first().waitFor() },
      { name: 'book', path: '/book', ready: (p) => p.locator('[data-testid="slot-grid"], [data-testid="slot-panel"] p.empty:not(:has(.spinner))').first().waitFor() },
      { name: 'bookings', path: '/bookings', ready: (p) => p.getByTestId('upcoming-bookings').waitFor() },
      { name: 'workouts', path: '/workouts', ready: (p) => p.getByTestId('program').first().waitFor() },
    ],
  },
  {
    role: 'trainer', login: ['demo', 'trainer', 'trainer123'], screens: [
      { name: 'monitor', path: '/admin', ready: (p) => p.getByTestId('check-in-desk').waitFor() },
      { name: 'programs', path: '/admin/programs', ready: (p) => p.locator('.card').first().waitFor() },
    ],
  },
  {
    role: 'owner', login: ['demo', 'owner', 'owner123'], screens: [
      { name: 'monitor', path: '/admin', ready: (p) => p.getByTestId('check-in-desk').waitFor() },
      { name: 'areas', path: '/admin/areas', ready: (p) => p.getByTestId('areas-row').first().waitFor() },
      { name: 'programs', path: '/admin/programs', ready: (p) => p.locator('.card').first().waitFor() },
      { name: 'members', path: '/admin/members', ready: (p) => p.getByTestId('members-row').first().waitFor() },
      { name: 'settings', path: '/admin/settings', ready: (p) => p.locator('form').first().waitFor() },
      { name: 'displays', path: '/admin/displays', ready: (p) => p.locator('form').first().waitFor() },
    ],
  },
  { role: 'display', login: 'display', screens: [{ name: 'wall', path: '/display', ready: (p) => p.locator('[data-testid="display"][data-state="online"]').waitFor() }] },
  {
    role: 'platform', login: [null, 'admin', 'admin123'], screens: [
      { name: 'console', path: '/platform', ready: (p) => p.getByTestId('gym-row').first().waitFor() },
      { name: 'new-gym', path: '/platform', ready: (p) => p.locator('#platform-create').waitFor(), open: (p) => p.getByTestId('platform-new').click() },
    ],
  },
];
const SIZES = [['phone', PHONE], ['desktop', DESKTOP]] as const;

describe.runIf(withPostgres && withChromium)('a tour of every screen', { timeout: 300_000 }, () => {
  let gym: GymFixture;
  let browser: Browser;

  beforeAll(async () => {
    ensureBuilt();
    [gym, browser] = await Promise.all([startGym({ env: { SEED_DEMO_ACTIVITY: 'true' } }), launchBrowser()]);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await gym?.stop();
  });

  for (const lang of ['en', 'el'] as const) {
    it(`shows every role's screens in ${lang} at phone and desktop size, without axe violations`, async () => {
      const violations: string[] = [];
      for (const { role, login, screens } of ROLES) {
        // One profile and one sign-in per role and language; each screen is loaded once, then resized.
        const context = await newContext(browser, gym.url, { locale: lang === 'el' ? 'el-GR' : 'en-GB' });
        await context.addInitScript((l) => { try { localStorage.setItem('gymflow.locale', l); } catch { /* about:blank */ } }, lang);
        const page = await context.newPage();
        if (Array.isArray(login)) await signIn(page, ...login);
        for (const screen of screens) {
          await page.setViewportSize(PHONE);
          await page.goto(login === 'display' ? `${screen.path}?token=${encodeURIComponent(gym.tokens.display)}` : screen.path);
          await screen.open?.(page);
          await screen.ready(page);
          await page.waitForLoadState('networkidle');
          for (const [size, viewport] of SIZES) {
            await page.setViewportSize(viewport);
            // The chart redraws on resize a frame later: let it settle before the picture.
            await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
            const name = `${role}-${screen.name}-${lang}-${size}`;
            await page.screenshot({ path: path.join(SHOTS, `tour-${name}.png`), fullPage: true, animations: 'disabled', style: 'body { position: relative; } .tabbar { position: absolute !important; }' });
            const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
            for (const v of result.violations) {
              violations.push(`${name}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`).slice(0, 3).join(' | ')}`);
            }
          }
        }
        await context.close();
      }
      expect(violations).toEqual([]);
    });
  }

  it('opens the installed app offline with the last known state, marked not live', async () => {
    const context = await newContext(browser, gym.url, { serviceWorkers: 'allow' });
    const page = await context.newPage();
    await signIn(page, 'demo', 'member', 'member123');
    await page.getByTestId('area-bar').first().waitFor();
    await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ state: 'attached' });
    const shown = await page.getByTestId('area-bar').evaluateAll((bars) => bars.map((b) => `${b.getAttribute('data-area-id')}=${b.getAttribute('data-current')}`));
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await context.setOffline(true);
    // Offline the socket and the API fail: expected here, nothing else is.
    expectProblems(context, /ERR_INTERNET_DISCONNECTED/, /socket\.io/, /auth\/me|gym-status|api\//);
    await page.reload();
    await page.getByTestId('area-bar').first().waitFor();
    const offline = await page.getByTestId('area-bar').evaluateAll((bars) => bars.map((b) => `${b.getAttribute('data-area-id')}=${b.getAttribute('data-current')}`));
    expect(offline).toEqual(shown);
    expect(await page.getByTestId('connection').getAttribute('data-state')).not.toBe('online');
    await page.screenshot({ path: path.join(SHOTS, 'tour-member-home-offline-en-phone.png'), fullPage: true });

    // Back online: live again, from the server.
    await context.setOffline(false);
    await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ state: 'attached', timeout: 30_000 });
    expect(fs.existsSync(path.join(SHOTS, 'tour-member-home-offline-en-phone.png'))).toBe(true);
    await context.close();
  });
});
