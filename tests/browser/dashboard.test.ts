/**
 * The web app end to end in Debian's Chromium: one real server (PostgreSQL, demo data), a few browser
 * profiles side by side, and screenshots of every screen at phone and desktop width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../backend/src/server.js';
import { requireService, withPostgres } from '../support/services.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, ensureBuilt, expectProblems, launchBrowser, newContext, shoot, signIn } from './support.js';

const withChromium = await requireService('chromium');

describe.runIf(withPostgres && withChromium)('the web dashboard', { timeout: 60_000 }, () => {
  let gym: GymFixture;
  let browser: Browser;
  let restarted: RunningServer | null = null;
  const contexts: BrowserContext[] = [];
  let areas: Awaited<ReturnType<GymFixture['areas']>>;
  const area = (name: string) => areas.find((a) => a.name_en === name)!;
  const tomorrow = athensDate(1);
  /** The owner creates one in the admin panel; the wall display test uses it. */
  let displayToken: string | null = null;

  async function open(options: Parameters<typeof newContext>[2] = {}): Promise<Page> {
    const context = await newContext(browser, gym.url, options);
    contexts.push(context);
    const page = await context.newPage();
    return page;
  }

  beforeAll(async () => {
    ensureBuilt();
    [gym, browser] = await Promise.all([startGym(), launchBrowser()]);
    areas = await gym.areas('demo');
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await restarted?.close();
    await gym?.stop();
  });

  it('lets a member sign in, book a slot and see it in their bookings', async () => {
    const page = await open();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in', level: 2 }).waitFor();
    await shoot(page, 'login');

    await page.getByLabel('Gym', { exact: true }).fill('demo');
    await page.getByLabel('Username').fill('member');
    expectProblems(page, /status of 401 \(Unauthorized\) \(\S+\/auth\/login\)$/);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toContain('Wrong username or password');
    await shoot(page, 'login-error');

    await page.getByLabel('Password').fill('member123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('area-bar').first().waitFor();
    expect(await page.getByTestId('area-bar').count()).toBe(areas.length);
    await shoot(page, 'member-home');

    const squash = area('Squash Court');
    await page.getByRole('link', { name: 'Book' }).first().click();
    await page.getByRole('button', { name: /Squash Court/ }).click();
    await page.getByRole('button', { name: /Tomorrow/ }).click();
    const slot = page.locator(`[data-slot="14:00"]`);
    await slot.click();
    await shoot(page, 'book-slot');
    await page.getByTestId('book-confirm').click();
    await expect(page.getByTestId('book-notice').textContent()).resolves.toContain('Booked for');
    // Booked by this member: the grid keeps the time, marked as the member's own.
    await page.locator(`[data-slot="14:00"][data-own="yours"]`).waitFor();

    await page.getByRole('link', { name: 'My bookings' }).first().click();
    const booking = page.getByTestId('upcoming-bookings').getByTestId('booking').filter({ hasText: '14:00–14:30' });
    await booking.waitFor();
    expect(await booking.textContent()).toContain('Squash Court');
    await shoot(page, 'my-bookings');

    const mine = await gym.call('GET', '/api/user-bookings', { token: gym.tokens.member });
    expect(mine.body.data.some((b: any) => b.area_id === squash.id && b.date === tomorrow && b.start_time === '14:00' && b.status === 'confirmed')).toBe(true);

    // Cancelling from the list: the booking moves to the history as cancelled.
    await booking.getByRole('button', { name: 'Cancel booking' }).click();
    await booking.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('[data-testid="booking"][data-status="cancelled"]').filter({ hasText: '14:00–14:30' }).waitFor();
  });

  it('shows a booking made in one browser in the other within a second: the slot disappears and the bar moves', async () => {
    const [a, b] = await Promise.all([open({ viewport: DESKTOP }), open({ viewport: DESKTOP })]);
    await Promise.all([signIn(a, 'demo', 'member', 'member123'), signIn(b, 'demo', 'member2', 'member123')]);
    const squash = area('Squash Court');
    for (const page of [a, b]) {
      await page.goto(`/book/${squash.id}`);
      await page.getByRole('button', { name: /Tomorrow/ }).click();
      await page.locator('[data-slot="15:00"]').waitFor();
      await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ state: 'attached' });
    }

    await a.locator('[data-slot="15:00"]').click();
    await a.getByTestId('book-confirm').click();
    await a.getByTestId('book-notice').waitFor();
    // The bookable choice goes; the full slot stays with its waitlist.
    await b.locator('label[data-slot="15:00"]').waitFor({ state: 'detached', timeout: 1000 });
    await b.locator('[data-testid="full-slot"][data-slot="15:00"]').waitFor();
    await shoot(b, 'book-live-removed');

    // A slot taken between the click and the request: the member is told plainly and the grid refreshes.
    await b.route('**/api/book-room', async (route) => {
      const first = await gym.call('POST', '/api/book-room', { token: gym.tokens.member, body: { room_id: squash.id, date: tomorrow, time: '16:00' } });
      expect(first.status).toBe(201);
      await route.continue();
    });
    await b.locator('[data-slot="16:00"]').click();
    // The server's 409 is what this step asks for; Chromium logs it.
    expectProblems(b, /status of 409 \(Conflict\) \(\S+\/api\/book-room\)$/);
    await b.getByTestId('book-confirm').click();
    await b.getByTestId('book-notice').filter({ hasText: 'Someone just took that time' }).waitFor();
    await b.locator('label[data-slot="16:00"]').waitFor({ state: 'detached' });
    await shoot(b, 'book-slot-taken');
    await b.unroute('**/api/book-room');

    // Starting a workout in the weight room checks member in: member2's bar moves.
    const weights = area('Weight Room');
    await b.goto('/');
    const bar = b.locator(`[data-testid="area-bar"][data-area-id="${weights.id}"]`);
    await bar.waitFor();
    await b.getByTestId('connection').and(b.locator('[data-state="online"]')).waitFor({ state: 'attached' });
    const before = Number(await bar.getAttribute('data-current'));

    await a.goto('/workouts');
    const program = a.getByTestId('program').first();
    await program.getByLabel('Where').selectOption(weights.id);
    await program.getByRole('button', { name: 'Start workout' }).click();
    await a.getByTestId('active-workout').waitFor();
    await b.locator(`[data-testid="area-bar"][data-area-id="${weights.id}"][data-current="${before + 1}"]`).waitFor({ timeout: 1000 });
    await shoot(a, 'workout-active');

    await a.getByTestId('complete-workout').click();
    await a.getByTestId('active-workout').waitFor({ state: 'detached' });
    await b.locator(`[data-testid="area-bar"][data-area-id="${weights.id}"][data-current="${before}"]`).waitFor({ timeout: 1000 });
    // The stats reload after the workout closes; wait for the count rather than read the old one.
    await a.getByTestId('stat-workouts').filter({ hasText: /[1-9]/ }).waitFor();
    await shoot(a, 'workouts');
  });

  it('shows an area the owner creates live on a member screen', async () => {
    const [owner, member] = await Promise.all([open({ viewport: DESKTOP }), open()]);
    await Promise.all([signIn(owner, 'demo', 'owner', 'owner123'), signIn(member, 'demo', 'member', 'member123')]);
    await member.getByTestId('area-bar').first().waitFor();
    await member.getByTestId('connection').and(member.locator('[data-state="online"]')).waitFor({ state: 'attached' });

    // The desk checks a member in: the member's bar moves, the person is listed inside, then checked out.
    const pool = area('Swimming Pool');
    const bar = member.locator(`[data-testid="area-bar"][data-area-id="${pool.id}"]`);
    const before = Number(await bar.getAttribute('data-current'));
    const desk = owner.getByTestId('check-in-desk');
    await desk.getByLabel('Member').fill('member2');
    await desk.getByRole('button', { name: /Manos Member/ }).click();
    await desk.getByLabel('Area').selectOption(pool.id);
    await desk.getByRole('button', { name: 'Check in' }).click();
    await member.locator(`[data-testid="area-bar"][data-area-id="${pool.id}"][data-current="${before + 1}"]`).waitFor({ timeout: 2000 });
    await desk.getByRole('listitem').filter({ hasText: 'Manos Member' }).waitFor();
    await shoot(owner, 'admin-monitor');
    await desk.getByRole('button', { name: 'Check out: Manos Member' }).click();
    await member.locator(`[data-testid="area-bar"][data-area-id="${pool.id}"][data-current="${before}"]`).waitFor({ timeout: 2000 });

    await owner.goto('/admin/areas');
    await owner.getByTestId('areas-row').first().waitFor();
    await owner.getByTestId('areas-new').click();
    await owner.getByLabel('Name (English)').fill('Boxing Ring');
    await owner.getByLabel('Name (Greek)').fill('Ρινγκ Πυγμαχίας');
    await owner.getByLabel('Capacity').fill('12');
    await shoot(owner, 'admin-area-form');
    await owner.getByTestId('areas-save').click();
    await owner.getByTestId('areas-row').filter({ hasText: 'Boxing Ring' }).waitFor();
    await shoot(owner, 'admin-areas');

    await member.getByTestId('area-bar').filter({ hasText: 'Boxing Ring' }).waitFor({ timeout: 2000 });
    await shoot(member, 'member-home-new-area');

    for (const [path, name] of [
      ['/admin/programs', 'admin-programs'],
      ['/admin/settings', 'admin-settings'],
    ] as const) {
      await owner.goto(path);
      await owner.locator('.card').first().waitFor();
      await owner.waitForLoadState('networkidle');
      await shoot(owner, name);
    }

    await owner.goto('/admin/members');
    await owner.getByTestId('members-new').click();
    await owner.getByLabel('Username', { exact: true }).fill('newbie');
    await owner.getByLabel('Full name').fill('Nina Newbie');
    await owner.getByLabel('Password').fill('newbie-pass-1');
    await owner.getByTestId('members-save').click();
    const newbie = owner.getByTestId('members-row').filter({ hasText: 'Nina Newbie' });
    await newbie.waitFor();
    await shoot(owner, 'admin-members');
    // People are deactivated, not deleted: the row stays, marked inactive.
    await newbie.getByRole('button', { name: 'Deactivate newbie' }).click();
    await newbie.getByRole('button', { name: 'Yes, deactivate' }).click();
    await owner.getByTestId('members-row').filter({ hasText: 'Nina Newbie' }).filter({ hasText: 'No' }).waitFor();

    await owner.goto('/admin/displays');
    await owner.getByLabel('Screen name').fill('Reception');
    await owner.getByRole('button', { name: 'Create token' }).click();
    const created = owner.getByTestId('new-display-token');
    await created.waitFor();
    displayToken = (await created.locator('code').textContent())!.trim();
    expect(displayToken).toMatch(/^dt1\./);
    await shoot(owner, 'admin-displays');
  });

  it('switches every screen to Greek', async () => {
    const page = await open();
    await page.goto('/login');
    await page.getByRole('button', { name: 'Ελληνικά' }).click();
    await page.getByRole('heading', { name: 'Σύνδεση', level: 2 }).waitFor();
    await shoot(page, 'login-el');
    // Keyboard only: the fields follow each other in tab order and Enter signs in.
    await page.getByLabel('Γυμναστήριο', { exact: true }).focus();
    await page.keyboard.type('demo');
    await page.keyboard.press('Tab'); // the "I run the platform" choice, left unticked
    await page.keyboard.press('Tab');
    await page.keyboard.type('member');
    await page.keyboard.press('Tab');
    await page.keyboard.type('member123');
    await page.keyboard.press('Enter');
    await page.getByTestId('whoami').waitFor({ state: 'attached' });
    await page.getByRole('heading', { name: 'Ζωντανή πληρότητα' }).waitFor();
    expect(await page.getByTestId('area-list').textContent()).toContain('Αίθουσα Βαρών');
    expect(await page.locator('html').getAttribute('lang')).toBe('el');
    await shoot(page, 'member-home-el');
    await page.goto('/workouts');
    await page.getByRole('heading', { name: 'Προπονήσεις', level: 1 }).waitFor();
    await shoot(page, 'workouts-el');
    await page.getByRole('button', { name: 'Αποσύνδεση' }).click();
    await page.getByRole('heading', { name: 'Σύνδεση', level: 2 }).waitFor();
    const me = await page.evaluate(() => fetch('/auth/me').then((r) => r.status));
    expect(me).toBe(401);
  });

  it('takes the gym from the subdomain when there is one', async () => {
    const page = await open();
    const url = new URL(gym.url);
    await page.goto(`http://olympia.localhost:${url.port}/login`);
    await page.getByText('olympia', { exact: false }).first().waitFor();
    expect(await page.getByLabel('Gym', { exact: true }).count()).toBe(0);
    await page.getByLabel('Username').fill('owner');
    await page.getByLabel('Password').fill('owner123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('tenant-name').filter({ hasText: 'Olympia Fitness' }).waitFor();
  });

  it('shows a member of one gym nothing of another', async () => {
    const page = await open();
    await signIn(page, 'olympia', 'member', 'member123');
    await page.getByTestId('area-bar').first().waitFor();
    const olympia = await gym.areas('olympia');
    const shown = await page.getByTestId('area-bar').evaluateAll((els) => els.map((e) => e.getAttribute('data-area-id')));
    expect(shown.sort()).toEqual(olympia.map((a) => a.id).sort());
    expect(await page.content()).not.toContain('Boxing Ring');
    // Another gym's area by its id: not found, no slots, no name.
    // Another gym's area is a 404 to this member, as it must be; Chromium logs it.
    expectProblems(page, /status of 404 \(Not Found\) \(\S+\/api\/available-slots\/\S+\)$/);
    await page.goto(`/book/${area('Squash Court').id}`);
    await page.getByTestId('slot-panel').getByRole('alert').waitFor();
    expect(await page.getByTestId('slot-panel').textContent()).toContain('Δεν βρέθηκε');
    await shoot(page, 'other-gym-not-found');
  });

  it('keeps the wall display up through a server restart and shows the right numbers after it', async () => {
    // A busy evening: the squash court full (red), the yoga studio getting busy (amber).
    const squash = area('Squash Court');
    const yoga = area('Yoga Studio');
    const people = await Promise.all(Array.from({ length: 17 }, () => gym.person('member')));
    for (const [i, person] of people.entries()) {
      const res = await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: person.id, area_id: i < 4 ? squash.id : yoga.id } });
      expect(res.status).toBe(201);
    }

    const page = await open({ viewport: { width: 1920, height: 1080 } });
    // While the server is down the screen's reconnect attempts are refused: what this test is about.
    expectProblems(page, /ERR_CONNECTION_REFUSED/);
    await page.goto(`/display?token=${encodeURIComponent(displayToken ?? gym.tokens.display)}`);
    await page.getByTestId('display-area').first().waitFor();
    await page.locator('[data-testid="display"][data-state="online"]').waitFor();
    expect(new URL(page.url()).search).toBe('');
    const status = await gym.call('GET', '/api/gym-status', { token: gym.tokens.display });
    expect(Number(await page.getByTestId('display-total').textContent())).toBe(status.body.data.totals.current_users);
    expect(await page.locator(`[data-testid="display-area"][data-area-id="${squash.id}"]`).getAttribute('class')).toContain('bad');
    expect(await page.locator(`[data-testid="display-area"][data-area-id="${yoga.id}"]`).getAttribute('class')).toContain('warn');
    await shoot(page, 'display');

    const shown = await page.getByTestId('display-area').count();
    const port = gym.server.port;
    await gym.server.close();
    await page.getByTestId('reconnecting').waitFor();
    // The last known state stays on screen while offline.
    expect(await page.getByTestId('display-area').count()).toBe(shown);
    expect(shown).toBe(status.body.data.areas.length);
    await shoot(page, 'display-reconnecting');

    restarted = await startServer({ ...gym.server.config, port });
    await page.locator('[data-testid="display"][data-state="online"]').waitFor({ timeout: 15_000 });
    // Someone checks in after the restart: the display follows.
    const before = Number(await page.locator(`[data-testid="display-area"][data-area-id="${yoga.id}"]`).getAttribute('data-current'));
    const checkIn = await gym.call('POST', '/api/visits', { token: gym.tokens.trainer, body: { user_id: gym.users.member2, area_id: yoga.id } });
    expect(checkIn.status).toBe(201);
    await page.locator(`[data-testid="display-area"][data-area-id="${yoga.id}"][data-current="${before + 1}"]`).waitFor();
    const after = await gym.call('GET', '/api/gym-status', { token: gym.tokens.display });
    expect(Number(await page.getByTestId('display-total').textContent())).toBe(after.body.data.totals.current_users);
    await shoot(page, 'display-after-restart');
  });
});
