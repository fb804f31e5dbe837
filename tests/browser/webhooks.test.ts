/**
 * The owner's webhooks screen in Chromium, at phone and desktop size, in English and Greek: a bad
 * address is refused next to its field, a new endpoint shows its secret once, a test reaches a real
 * receiver (which verifies its signature), the delivery log lists it, and a recovery past the last
 * event is refused next to its field. Screenshots go to a temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { translate, type Locale } from '../../backend/src/contracts/i18n.js';
import { requireService, withPostgres } from '../support/services.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { ensureBuilt, expectProblems, launchBrowser, newContext, signIn } from './support.js';

const withChromium = await requireService('chromium');
const SHOTS = path.join(os.tmpdir(), 'gymflow-webhook-shots');
const SIZES = [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 800 }]] as const;

describe.runIf(withPostgres && withChromium)('the webhooks screen', () => {
  let gym: GymFixture;
  let browser: Browser;
  let receiver: Receiver;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    [gym, browser, receiver] = await Promise.all([startGym(), launchBrowser(), startReceiver()]);
  }, 240_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await gym?.stop();
    await receiver?.close();
  });

  for (const lang of ['en', 'el'] as const) {
    for (const [size, viewport] of SIZES) {
      it(`adds an endpoint, shows its secret once, tests it and reads its log (${lang}, ${size})`, async () => {
        const tr = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(lang as Locale, key, params);
        const context = await newContext(browser, gym.url, { viewport, locale: lang === 'el' ? 'el-GR' : 'en-GB' });
        contexts.push(context);
        await context.addInitScript((l) => { try { localStorage.setItem('gymflow.locale', l); } catch { /* about:blank */ } }, lang);
        const page = await context.newPage();
        // The refused recovery below answers 400 on purpose.
        expectProblems(page, /status of 400/);
        // The Greek gym's owner reads the server's messages in Greek (the account's language).
        await signIn(page, lang === 'el' ? 'olympia' : 'demo', 'owner', 'owner123');
        await page.goto('/admin/webhooks');
        const form = page.getByTestId('webhook-form');

        await form.getByLabel(tr('ui.webhooks.url')).fill('not a url');
        await form.getByRole('button', { name: tr('ui.webhooks.create') }).click();
        await expect.poll(() => page.locator('#webhook-url-error').textContent()).toBe(tr('field.webhook_url'));

        const hookPath = `/${lang}-${size}`;
        await form.getByLabel(tr('ui.webhooks.url')).fill(`${receiver.url}${hookPath}`);
        await form.getByLabel(tr('ui.webhooks.description')).fill(`Front desk ${lang}`);
        await form.getByRole('button', { name: tr('ui.webhooks.create') }).click();
        const secret = (await page.getByTestId('webhook-secret').locator('code').textContent())!;
        expect(secret).toMatch(/^whsec_/);
        receiver.secrets.set(hookPath, [secret]);

        const card = page.getByTestId('webhook-endpoint').filter({ hasText: `${receiver.url}${hookPath}` });
        await expect.poll(() => card.getByTestId('webhook-status').textContent()).toBe(tr('ui.webhooks.status_active'));
        await card.getByRole('button', { name: tr('ui.webhooks.test') }).click();
        await expect.poll(() => receiver.received.filter((r) => r.path === hookPath && r.verified && r.type === 'webhook:test').length).toBe(1);

        await card.getByRole('button', { name: tr('ui.webhooks.log') }).click();
        const log = card.getByTestId('webhook-log');
        await expect.poll(() => log.locator('tbody tr').count()).toBe(1);
        expect(await log.locator('tbody tr').first().textContent()).toContain(tr('ui.webhooks.outcome.test'));

        await log.getByLabel(tr('ui.webhooks.recover')).fill('999999');
        await log.getByRole('button', { name: tr('ui.webhooks.recover_go') }).click();
        await log.getByTestId('field-error').waitFor();
        expect(await log.getByTestId('field-error').textContent()).toBe(tr('field.webhook_since'));

        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(SHOTS, `webhooks-${lang}-${size}.png`), fullPage: true, animations: 'disabled', style: 'body { position: relative; } .tabbar { position: absolute !important; }' });
      }, 90_000);
    }
  }
});
