/**
 * Every form explains every error next to its field, in the screen's language, and marks it invalid;
 * the platform admin has a console; a refused display token brings back the token form; the connection
 * state shows on a phone. Each screen is tried at phone and desktop width (screenshots via shoot()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { requireService, withPostgres } from '../support/services.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, ensureBuilt, expectProblems, launchBrowser, newContext, shoot, signIn } from './support.js';

const withChromium = await requireService('chromium');

/** The field's message, found the way assistive technology finds it: through aria-describedby. */
async function messageOf(field: Locator): Promise<string> {
  await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const page = field.page();
  const texts = await Promise.all(ids.split(' ').filter(Boolean).map((id) => page.locator(`#${id}`).textContent()));
  return texts.join(' ');
}

describe.runIf(withPostgres && withChromium)('forms, the platform console and the display token', { timeout: 90_000 }, () => {
  let gym: GymFixture;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  async function open(options: Parameters<typeof newContext>[2] = {}): Promise<Page> {
    const context = await newContext(browser, gym.url, options);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    return page;
  }

  beforeAll(async () => {
    ensureBuilt();
    [gym, browser] = await Promise.all([startGym(), launchBrowser()]);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await gym?.stop();
  });

  it('explains an invalid new area next to each field, in English and in Greek', async () => {
    const page = await open({ viewport: DESKTOP });
    await signIn(page, 'demo', 'owner', 'owner123');
    await page.goto('/admin/areas');
    await page.getByTestId('areas-new').click();
    await page.getByLabel('Capacity').fill('0');
    await page.getByLabel('Price per hour', { exact: false }).fill('-1');
    await page.getByTestId('areas-save').click();
    expect(await messageOf(page.locator('#areas-name_en'))).toContain('Required.');
    expect(await messageOf(page.locator('#areas-capacity'))).toContain('At least 1.');
    expect(await messageOf(page.locator('#areas-price_per_hour'))).toContain('At least 0.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('areas-name_en');
    await shoot(page, 'form-area-errors-en');

    await page.getByRole('group', { name: 'Language' }).first().getByRole('button', { name: 'Ελληνικά' }).click();
    await page.getByTestId('areas-save').click();
    expect(await messageOf(page.locator('#areas-capacity'))).toContain('Τουλάχιστον 1.');
    expect(await messageOf(page.locator('#areas-name_en'))).toContain('Υποχρεωτικό.');
    await shoot(page, 'form-area-errors-el');
    expect(errors).toEqual([]);
  });

  it('prices an area at 11.99 an hour in the form, and a member books 90 minutes of it for 17.99', async () => {
    const owner = await open({ viewport: DESKTOP });
    await signIn(owner, 'demo', 'owner', 'owner123');
    await owner.goto('/admin/areas');
    await owner.getByTestId('areas-new').click();
    await owner.getByLabel('Name (English)').fill('Padel Court');
    await owner.getByLabel('Name (Greek)').fill('Γήπεδο Πάντελ');
    await owner.getByLabel('Slot length (min)').fill('90');
    await owner.getByLabel('Price per hour', { exact: false }).fill('11.99');
    await owner.getByTestId('areas-save').click();
    await owner.getByTestId('areas-row').filter({ hasText: 'Padel Court' }).filter({ hasText: '€11.99' }).waitFor();
    const padel = (await gym.areas()).find((a) => a.name_en === 'Padel Court')!;

    // A member of its own, so none of the demo members' bookings overlaps the slot.
    const me = await gym.f.user(gym.demo);
    const page = await open();
    await signIn(page, 'demo', me.username, me.password);
    await page.goto(`/book/${padel.id}`);
    await page.getByRole('button', { name: /Tomorrow/ }).click();
    await page.locator('[data-slot]').first().click();
    // The server prices 1798.5 cents as 1799; the screen shows what it will send, the same formula.
    await expect.poll(() => page.getByTestId('book-price').textContent()).toBe('€17.99');
    await page.getByTestId('book-confirm').click();
    await expect(page.getByTestId('book-notice').textContent()).resolves.toContain('Booked for');
    const mine = await gym.call('GET', '/api/areas/' + padel.id, { token: gym.tokens.member });
    expect(mine.body.data).toMatchObject({ price_per_hour: 11.99, currency: 'EUR' });
    const booked = await gym.call('GET', `/api/bookings?area_id=${padel.id}`, { token: gym.tokens.owner });
    expect(booked.body.data.map((b: any) => [b.user_id, b.duration, b.price])).toEqual([[me.id, 90, 17.99]]);
    expect(errors).toEqual([]);
  });

  it('says which member field is wrong: a short password, a bad e-mail, a username that exists', async () => {
    const page = await open();
    await signIn(page, 'demo', 'owner', 'owner123');
    await page.goto('/admin/members');
    await page.getByTestId('members-new').click();
    await page.locator('#members-username').fill('member');
    await page.locator('#members-email').fill('not-an-email');
    await page.locator('#members-password').fill('short');
    await page.getByTestId('members-save').click();
    expect(await messageOf(page.locator('#members-email'))).toContain('valid e-mail');
    expect(await messageOf(page.locator('#members-password'))).toContain('At least 10 characters.');

    // The taken username is the server's 409, logged by Chromium; it is what this step asks for.
    expectProblems(page, /status of 409/);
    await page.locator('#members-email').fill('');
    await page.locator('#members-password').fill('a-long-enough-password-7');
    await page.getByTestId('members-save').click();
    expect(await messageOf(page.locator('#members-username'))).toContain('already taken');
    await shoot(page, 'form-member-errors');
    expect(errors).toEqual([]);
  });

  it('explains an empty gym name and a day that closes before it opens', async () => {
    const page = await open();
    await signIn(page, 'demo', 'owner', 'owner123');
    await page.goto('/admin/settings');
    await page.locator('#s-name').fill('   ');
    await page.locator('#close-mon').fill('05:00');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await messageOf(page.locator('#s-name'))).toContain('Required.');
    expect(await messageOf(page.locator('#close-mon'))).toContain('Closing must be after opening.');
    await shoot(page, 'form-settings-errors');
  });

  it('asks for a display name and for each sign-in field', async () => {
    const owner = await open();
    await signIn(owner, 'demo', 'owner', 'owner123');
    await owner.goto('/admin/displays');
    await owner.getByRole('button', { name: 'Create token' }).click();
    expect(await messageOf(owner.locator('#display-label'))).toContain('Required.');

    const page = await open();
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await messageOf(page.locator('#login-tenant'))).toContain('Required.');
    expect(await messageOf(page.locator('#login-username'))).toContain('Required.');
    expect(await messageOf(page.locator('#login-password'))).toContain('Required.');
    await shoot(page, 'form-login-errors');
  });

  it('gives the platform admin a console: find a gym, open one, re-plan, suspend and resume', async () => {
    const page = await open({ viewport: DESKTOP });
    await page.goto('/login');
    await page.getByLabel('I run the platform (no gym)').check();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('admin123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Platform console' }).waitFor();
    await expect.poll(() => page.getByTestId('gym-row').count()).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('connection').count()).resolves.toBe(0);
    await shoot(page, 'platform-console');

    await page.getByTestId('platform-new').click();
    await page.locator('#pc-subdomain').fill('Bad Name');
    await page.getByTestId('platform-save').click();
    expect(await messageOf(page.locator('#pc-name'))).toContain('Required.');
    expect(await messageOf(page.locator('#pc-subdomain'))).toContain('Lowercase letters');
    await page.locator('#pc-name').fill('Harbour Gym');
    await page.locator('#pc-subdomain').fill('harbour');
    await page.locator('#pc-owner-password').fill('harbour-secret-5');
    await page.getByTestId('platform-save').click();
    await page.locator('[data-subdomain="harbour"]').waitFor();

    await page.getByLabel('Search by name or address').fill('harb');
    await expect.poll(() => page.getByTestId('gym-row').count()).toBe(1);
    const row = page.locator('[data-subdomain="harbour"]');
    await row.getByLabel('Plan of Harbour Gym').selectOption('pro');
    await expect.poll(async () => (await gym.call('GET', '/api/platform/tenants?q=harbour', { token: await adminToken() })).body.data[0].subscription_plan).toBe('pro');
    await row.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => row.getByTestId('gym-status').textContent()).toBe('Suspended');
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => row.getByTestId('gym-status').textContent()).toBe('Active');
    expect(errors).toEqual([]);
  });

  async function adminToken(): Promise<string> {
    const res = await gym.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin123' } });
    return res.body.data.access_token;
  }

  it('takes the display token from the fragment, keeps it out of the address, and asks again once it is revoked', async () => {
    const created = await gym.call('POST', '/api/display-tokens', { token: gym.tokens.owner, body: { name: 'Lobby' } });
    const { id, token } = created.body.data;
    const page = await open({ viewport: { width: 1920, height: 1080 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`/display#token=${encodeURIComponent(token)}`);
    await page.getByTestId('display-area').first().waitFor();
    expect(page.url()).toBe(`${gym.url}/display`);
    expect(requests.some((u) => u.includes(token))).toBe(false);

    await gym.call('DELETE', `/api/display-tokens/${id}`, { token: gym.tokens.owner });
    // The refused token's few answers are the point of this test.
    expectProblems(page, /status of 401/);
    await page.reload();
    await page.getByTestId('display-token-form').waitFor();
    const before = requests.length;
    await page.waitForTimeout(3000);
    expect(requests.length - before).toBeLessThan(5);
    await shoot(page, 'display-token-refused');
  });

  it('charts the opening hours with a line per area, readable by keyboard and from across the room', async () => {
    const page = await open({ viewport: DESKTOP });
    await signIn(page, 'demo', 'owner', 'owner123');
    await page.goto('/admin');
    const chart = page.getByTestId('occupancy-chart');
    await chart.getByRole('group', { name: 'Lines shown' }).waitFor();
    expect(await chart.getByRole('checkbox').count()).toBeGreaterThanOrEqual(5);
    // The keys walk the samples, so they are pressed once the samples are in.
    await chart.locator('[role="img"][aria-busy="false"]').waitFor();
    await chart.getByRole('img').focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('chart-readout').textContent()).toMatch(/^\d\d:\d\d · People/);
    await shoot(page, 'admin-monitor-chart');

    const wall = await open({ viewport: { width: 1920, height: 1080 } });
    await wall.goto(`/display#token=${encodeURIComponent(gym.tokens.display)}`);
    await wall.getByTestId('occupancy-chart').getByRole('group').waitFor();
    const size = await wall.getByTestId('occupancy-chart').locator('.lines label').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(20);
    await wall.screenshot({ path: 'tests/browser/screenshots/display-1920.png' });
  });

  it('shows the connection state on a phone', async () => {
    const page = await open();
    await signIn(page, 'demo', 'member', 'member123');
    await expect.poll(() => page.getByTestId('connection').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('online');
  });
});
