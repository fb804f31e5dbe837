/**
 * The waitlist on screen: B joins the line of a full slot from the grid, A cancels, and B's screen
 * shows the offer (on another page than the grid) with a countdown; B accepts and the grids of A and C
 * follow. Staff see the line in the admin panel; the owner edits the booking rules with each error
 * next to its field. Phone and desktop screenshots via shoot().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { requireService, withPostgres } from '../support/services.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, ensureBuilt, launchBrowser, newContext, shoot, signIn } from './support.js';

const withChromium = await requireService('chromium');
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));

describe.runIf(withPostgres && withChromium)('the waitlist on screen', { timeout: 120_000 }, () => {
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
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await gym?.stop();
  });

  it("shows B the offer as soon as A cancels, and A's and C's grids follow B's accept", async () => {
    const court = await gym.f.area(gym.demo, { name_en: 'Waitlist Court', booking_capacity: 1, slot_minutes: 60 });
    await gym.call('PATCH', `/api/areas/${court.id}`, { token: gym.tokens.owner, body: { opening_hours: ALL_DAY } });
    const c = await gym.f.user(gym.demo, { role: 'member' });
    const tomorrow = athensDate(1);
    const held = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: court.id, date: tomorrow, time: '12:00', duration: 60 } });
    expect(held.status).toBe(201);

    const [pageA, pageB, pageC] = [await open(), await open(), await open({ viewport: DESKTOP })];
    await signIn(pageA, 'demo', 'member', 'member123');
    await signIn(pageB, 'demo', 'member2', 'member123');
    await signIn(pageC, 'demo', c.username, c.password);
    for (const page of [pageA, pageB, pageC]) {
      await page.goto(`/book/${court.id}`);
      await page.getByRole('button', { name: /Tomorrow/ }).click();
    }
    const fullAt = (page: Page) => page.locator('[data-testid="full-slot"][data-slot="12:00"]');

    // B joins the line from the grid; C sees its length.
    await fullAt(pageB).getByTestId('waitlist-join').click();
    await expect.poll(() => fullAt(pageB).textContent()).toContain('On the waitlist (#1)');
    await expect.poll(() => fullAt(pageC).getByTestId('waitlist-count').textContent()).toBe('Waitlist: 1');
    await shoot(pageC, 'waitlist-grid-full');

    // Staff see who waits.
    const owner = await open({ viewport: DESKTOP });
    await signIn(owner, 'demo', 'owner', 'owner123');
    await owner.goto('/admin');
    await owner.getByTestId('queue').filter({ hasText: 'Waitlist Court' }).waitFor();
    const b = (await gym.call('GET', `/api/members/${gym.users.member2}`, { token: gym.tokens.owner })).body.data;
    expect(await owner.getByTestId('queue').filter({ hasText: 'Waitlist Court' }).textContent()).toContain(b.full_name ?? b.username);
    await shoot(owner, 'waitlist-admin-queues');

    // B is elsewhere in the app when the place frees.
    await pageB.goto('/bookings');
    await pageB.getByTestId('waitlist-entry').first().waitFor();
    const cancelled = await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.member, body: { booking_id: held.body.data.booking.id } });
    expect(cancelled.status).toBe(200);
    const offer = pageB.getByTestId('offer');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Waitlist Court');
    expect(await offer.getByTestId('offer-countdown').textContent()).toMatch(/Held for (9|10):\d\d/);
    await shoot(pageB, 'waitlist-offer');

    await offer.getByTestId('offer-accept').click();
    await offer.waitFor({ state: 'detached' });
    await expect.poll(() => pageB.getByTestId('upcoming-bookings').textContent()).toContain('Waitlist Court');

    // A's and C's grids: the slot is B's now, full, and nobody waits for it.
    for (const page of [pageA, pageC]) {
      await expect.poll(() => fullAt(page).getByTestId('waitlist-count').textContent()).toBe('Waitlist: 0');
    }
    expect(errors).toEqual([]);
  });

  it('edits the booking rules with each error next to its field, in Greek', async () => {
    const page = await open({ viewport: DESKTOP, locale: 'el-GR' });
    await signIn(page, 'olympia', 'owner', 'owner123');
    await page.goto('/admin/settings');
    const horizon = page.locator('#r-horizon_days');
    await horizon.fill('0');
    await page.getByTestId('rules-save').click();
    await expect.poll(() => horizon.getAttribute('aria-invalid')).toBe('true');
    const message = await page.locator('#r-horizon_days-error').textContent();
    expect(message).toMatch(/1/);
    await shoot(page, 'waitlist-rules-errors-el');
    await horizon.fill('21');
    await page.getByTestId('rules-save').click();
    await expect.poll(async () => (await gym.call('GET', '/api/tenant', { token: gym.tokens.olympiaOwner })).body.data.settings.booking_rules.horizon_days).toBe(21);
    expect(errors).toEqual([]);
  });

  it('shows a full slot with its waitlist and the offer in Greek', async () => {
    const court = await gym.f.area(gym.olympia, { name_en: 'Greek Court', booking_capacity: 1, slot_minutes: 60 });
    await gym.call('PATCH', `/api/areas/${court.id}`, { token: gym.tokens.olympiaOwner, body: { opening_hours: ALL_DAY, name_el: 'Γήπεδο Αναμονής' } });
    const taken = await gym.call('POST', '/api/book-room', { token: gym.tokens.olympiaOwner, body: { room_id: court.id, date: athensDate(1), time: '12:00', duration: 60 } });
    expect(taken.status).toBe(201);
    const page = await open({ locale: 'el-GR' });
    await signIn(page, 'olympia', 'member', 'member123');
    await page.goto(`/book/${court.id}`);
    await page.getByRole('button', { name: /Αύριο/ }).click();
    const full = page.locator('[data-testid="full-slot"][data-slot="12:00"]');
    await full.getByTestId('waitlist-join').click();
    await expect.poll(() => full.textContent()).toContain('Σε αναμονή (#1)');
    await gym.call('POST', '/api/cancel-booking', { token: gym.tokens.olympiaOwner, body: { booking_id: taken.body.data.booking.id } });
    const offer = page.getByTestId('offer');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Γήπεδο Αναμονής');
    expect(await offer.getByTestId('offer-accept').textContent()).toBe('Αποδοχή');
    await shoot(page, 'waitlist-offer-el');
    await offer.getByTestId('offer-decline').click();
    await offer.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });
});
