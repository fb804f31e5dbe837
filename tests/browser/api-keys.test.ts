/**
 * The owner's API-key screen in Chromium: a bad form explains each error next to its field in English
 * and Greek; a new key's secret is shown once with a copy button and works against the API; it is gone
 * after a reload, the list shows the key's prefix, scopes and last use, and revoking it (confirmed)
 * stops it at once. Screens saved at phone and desktop width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { requireService, withPostgres } from '../support/services.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, PHONE, ensureBuilt, launchBrowser, newContext, shoot, signIn } from './support.js';

const withChromium = await requireService('chromium');

async function messageOf(field: Locator): Promise<string> {
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const page = field.page();
  const texts = await Promise.all(ids.split(' ').filter(Boolean).map((id) => page.locator(`#${id}`).textContent()));
  return texts.join(' ');
}

describe.runIf(withPostgres && withChromium)('the API-key screen', { timeout: 90_000 }, () => {
  let gym: GymFixture;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    ensureBuilt();
    [gym, browser] = await Promise.all([startGym(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await gym?.stop();
  });

  it('explains a bad key next to its fields, shows the secret once, lists the key and revokes it', async () => {
    context = await newContext(browser, gym.url, { viewport: DESKTOP });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gym.url });
    const page = await context.newPage();
    await signIn(page, 'demo', 'owner', 'owner123');
    await page.goto('/admin');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();

    await page.getByRole('button', { name: 'Create key' }).click();
    const name = page.locator('#key-name');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await messageOf(name)).toContain('Required.');
    expect(await messageOf(page.getByRole('group', { name: 'Scopes' }))).toContain('Pick at least one scope.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('key-name');
    await page.locator('#key-expires_at').fill('2020-01-01T10:00');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await messageOf(page.locator('#key-expires_at'))).toContain('Pick a time in the future');
    await shoot(page, 'api-keys-errors-en');

    await page.getByRole('group', { name: 'Language' }).first().getByRole('button', { name: 'Ελληνικά' }).click();
    await page.getByRole('button', { name: 'Δημιουργία κλειδιού' }).click();
    expect(await messageOf(page.locator('#key-name'))).toContain('Υποχρεωτικό.');
    expect(await messageOf(page.getByRole('group', { name: 'Δικαιώματα' }))).toContain('Επιλέξτε τουλάχιστον ένα δικαίωμα.');
    expect(await messageOf(page.locator('#key-expires_at'))).toContain('Επιλέξτε μια μελλοντική στιγμή');
    await shoot(page, 'api-keys-errors-el');
    await page.getByRole('group', { name: 'Γλώσσα' }).first().getByRole('button', { name: 'English' }).click();

    await page.locator('#key-name').fill('Door system');
    await page.locator('#key-expires_at').fill('');
    await page.getByLabel(/Read live occupancy/).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    await expect.poll(() => shown.textContent()).toContain('you will not see it again');
    const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(secret).toMatch(/^gf_live_/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect((await gym.call('GET', '/api/gym-status', { token: secret })).status).toBe(200);
    await shoot(page, 'api-keys-secret');

    // Once dismissed or reloaded, the secret is nowhere on the page.
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.reload();
    const row = page.getByTestId('api-keys').getByRole('row').filter({ hasText: 'Door system' });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret.slice(16, 40));
    expect(await row.textContent()).toContain(secret.slice(0, 14));
    expect(await row.textContent()).toContain('occupancy:read');
    expect(await row.textContent()).toContain('from ');
    await page.setViewportSize(PHONE);
    await shoot(page, 'api-keys-list');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('Programs using it stop working at once');
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    expect((await gym.call('GET', '/api/gym-status', { token: secret })).status).toBe(401);
    await shoot(page, 'api-keys-revoked');
  });
});
