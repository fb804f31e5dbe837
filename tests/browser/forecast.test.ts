/**
 * Busy hours on the screens, in Chromium at phone and desktop size, in English and Greek, on the lively
 * demo (three weeks of visits, measured into area hours before the browsers open): the member's home
 * draws each area's day and names its quietest hours, the slot grid tints its slots with a key, and the
 * owner's monitor and the wall display draw the forecast behind the live line; an area without history
 * shows none, and the home reads the forecast again as the hour turns. Every check reads the
 * forecast the page itself received, so it holds at any hour of the day. Screenshots go to a temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AreaForecast } from '../../backend/src/contracts/forecast.js';
import { translate, type Locale } from '../../backend/src/contracts/i18n.js';
import { measureAreaHours } from '../../backend/src/modules/forecast/forecast.jobs.js';
import { requireService, withPostgres } from '../support/services.js';
import { athensDate, startGym, type GymFixture } from '../support/gym.js';
import { DESKTOP, ensureBuilt, launchBrowser, newContext, PHONE, signIn } from './support.js';

const withChromium = await requireService('chromium');
export const FORECAST_SHOTS = path.join(os.tmpdir(), 'gymflow-forecast-shots');
const SIZES = [['phone', PHONE], ['desktop', DESKTOP]] as const;
const HOUR_MS = 3_600_000;

/** The hours BusyHours draws: one closed hour either side of the open ones. */
function drawn(f: AreaForecast) {
  const first = f.hours.findIndex((h) => h.open);
  const last = f.hours.findLastIndex((h) => h.open);
  return first < 0 ? [] : f.hours.slice(Math.max(0, first - 1), last + 2);
}

const forecastOf = async (page: Page, url: (u: URL) => boolean) =>
  (await (await page.waitForResponse((r) => url(new URL(r.url())) && r.ok())).json()).data;

async function picture(page: Page, name: string, size: string): Promise<void> {
  // From the top (a sticky header otherwise lands mid-page), once the chart's redraw after a resize is done.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.screenshot({ path: path.join(FORECAST_SHOTS, `${name}-${size}.png`), fullPage: true, animations: 'disabled', style: 'body { position: relative; } .tabbar { position: absolute !important; }' });
}

/** Nothing sticks out sideways: a phone never scrolls horizontally. */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** The share of the chart's canvas that is painted: the band fills a good part of the plot. */
const painted = (page: Page) =>
  page.getByTestId('occupancy-chart').locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
    const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    // Grid lines are faint (alpha below 30); the band, the lines and the labels are not.
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 30) n++;
    return n / (c.width * c.height);
  });

/**
 * The share of the chart's pixels that differ from the picture `keep` took (all of them until one is
 * kept). Compared pixel by pixel rather than by the amount of paint: hiding the band also rescales the
 * live lines to the day's own peak, and late in the day, when they span most of the plot, that paint
 * makes up for the band's.
 */
const changedSinceKept = (page: Page, keep = false) =>
  page.getByTestId('occupancy-chart').locator('canvas').first().evaluate((c: HTMLCanvasElement, keepIt: boolean) => {
    const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const store = window as unknown as { keptChart?: Uint8ClampedArray };
    if (keepIt) store.keptChart = pixels.slice();
    const kept = store.keptChart;
    if (!kept || kept.length !== pixels.length) return 1;
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const d = Math.abs(pixels[i]! - kept[i]!) + Math.abs(pixels[i + 1]! - kept[i + 1]!) + Math.abs(pixels[i + 2]! - kept[i + 2]!) + Math.abs(pixels[i + 3]! - kept[i + 3]!);
      if (d > 40) n++;
    }
    return n / (pixels.length / 4);
  }, keep);

/** The forecast paints the chart: switching it off in the key changes a band's worth of it, on again brings it back. */
async function bandIsDrawn(page: Page, key: string): Promise<void> {
  const toggle = page.getByTestId('chart-forecast-key');
  expect((await toggle.textContent())?.replace(/\s+/g, ' ')).toContain(key);
  // Kept once the chart has settled (a resize or the day's history redraws it a moment later).
  let withBand = -1;
  await expect.poll(async () => {
    const before = withBand;
    withBand = await painted(page);
    return Math.abs(withBand - before);
  }, { interval: 300 }).toBeLessThan(0.001);
  expect(withBand).toBeGreaterThan(0.05);
  await changedSinceKept(page, true);
  await toggle.locator('input').uncheck();
  await expect.poll(() => changedSinceKept(page)).toBeGreaterThan(0.03);
  await toggle.locator('input').check();
  await expect.poll(() => changedSinceKept(page)).toBeLessThan(0.01);
}

describe.runIf(withPostgres && withChromium)('busy hours on the screens', { timeout: 240_000 }, () => {
  let gym: GymFixture;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let names: Map<string, { name_en: string; name_el: string; is_bookable: boolean }>;

  async function open(lang: Locale): Promise<Page> {
    const context = await newContext(browser, gym.url, { locale: lang === 'el' ? 'el-GR' : 'en-GB' });
    await context.addInitScript((l) => { try { localStorage.setItem('gymflow.locale', l); } catch { /* about:blank */ } }, lang);
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(FORECAST_SHOTS, { recursive: true });
    [gym, browser] = await Promise.all([startGym({ env: { SEED_DEMO_ACTIVITY: 'true' } }), launchBrowser()]);
    // The server's own pass measures at start too; run passes until one finds nothing left to measure.
    for (let i = 0; ; i++) {
      if (i > 60) throw new Error('measuring the demo visits did not finish');
      const r = await measureAreaHours(gym.server.deps);
      if (!r.skipped && r.hours === 0) break;
      if (r.skipped) await new Promise((done) => setTimeout(done, 500));
    }
    // Every column of gym_areas comes back; the fixture's type names only those its other tests use.
    names = new Map((await gym.areas('demo')).map((a) => [a.id, a as typeof a & { name_el: string }]));
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await gym?.stop();
  });

  for (const lang of ['en', 'el'] as const) {
    const name = (id: string) => (lang === 'el' ? names.get(id)!.name_el : names.get(id)!.name_en);

    it(`shows the member each area's busy hours and quietest hours on the home screen (${lang})`, async () => {
      const page = await open(lang);
      // Signing in lands on the home, which asks for the forecast.
      const answer = forecastOf(page, (u) => u.pathname === '/api/forecast');
      await signIn(page, 'demo', 'member', 'member123');
      const forecasts = (await answer) as AreaForecast[];
      const withHistory = forecasts.filter((f) => f.hours.length);
      // The demo seed gives every area weeks of visits.
      expect(withHistory.length).toBe(names.size);

      for (const [size, viewport] of SIZES) {
        await page.setViewportSize(viewport);
        for (const f of forecasts) {
          const curve = page.locator(`[data-testid="busy-hours"][data-area-id="${f.area_id}"]`);
          if (!f.hours.length) {
            expect(await curve.count()).toBe(0);
            continue;
          }
          await curve.waitFor();
          const hours = drawn(f);
          const columns = curve.getByTestId('busy-col');
          expect(await columns.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-hour')))).toEqual(hours.map((h) => h.hour));
          expect(await curve.locator('[data-testid="busy-col"][data-open="false"]').count()).toBe(hours.filter((h) => !h.open).length);
          // Drawn with some height, inside its card: not collapsed, not cut off.
          const plot = (await curve.locator('.plot').boundingBox())!;
          const card = (await page.locator('section.card').first().boundingBox())!;
          expect(plot.height).toBeGreaterThan(50);
          expect(plot.x).toBeGreaterThanOrEqual(card.x);
          expect(plot.x + plot.width).toBeLessThanOrEqual(card.x + card.width);

          const quiet = f.quietest[0];
          if (quiet) expect(await curve.getByTestId('busy-quietest').textContent()).toBe(translate(lang, 'ui.busy.quietest_today', { start: quiet.start, end: quiet.end }));
          // The text alternative: one row per drawn hour, named after the area.
          expect(await curve.locator('caption').textContent()).toBe(translate(lang, 'ui.busy.caption', { name: name(f.area_id) }));
          expect(await curve.locator('tbody tr').count()).toBe(hours.length);
          // "Now" is marked when the current hour is one of those drawn.
          const current = hours.find((h) => Date.parse(h.starts_at) <= Date.now() && Date.now() < Date.parse(h.starts_at) + HOUR_MS);
          expect(await curve.getByTestId('busy-now').count()).toBe(current ? 1 : 0);
        }
        expect(withHistory.filter((f) => f.quietest.length).length).toBe(await page.getByTestId('busy-quietest').count());
        expect(await page.getByTestId('busy-key').textContent()).toContain(translate(lang, 'ui.busy.range'));
        expect(await fitsWidth(page)).toBe(true);
        await picture(page, `home-${lang}`, size);
      }
    });

    it(`tints tomorrow's slots by how busy their hour usually is, with a key (${lang})`, async () => {
      const page = await open(lang);
      await signIn(page, 'demo', 'member', 'member123');
      const area = [...names].find(([, a]) => a.name_en === 'Weight Room')![0];
      await page.goto(`/book/${area}`);
      // Today's grid is not waited for: after closing time today has no slots left to show.
      const tomorrowButton = page.getByRole('button', { name: new RegExp(`^${translate(lang, 'ui.common.tomorrow')}`) });
      await tomorrowButton.waitFor();
      const tomorrow = athensDate(1);
      const answer = forecastOf(page, (u) => u.pathname === `/api/areas/${area}/forecast` && u.searchParams.get('date') === tomorrow);
      await tomorrowButton.click();
      const forecast = (await answer) as AreaForecast;
      expect(forecast.date).toBe(tomorrow);

      for (const [size, viewport] of SIZES) {
        await page.setViewportSize(viewport);
        const legend = page.getByTestId('busy-legend');
        await legend.waitFor();
        for (const key of ['ui.busy.legend', 'ui.busy.level.quiet', 'ui.busy.level.usual', 'ui.busy.level.busy'] as const) {
          expect(await legend.textContent()).toContain(translate(lang, key));
        }
        // Every slot of an open hour is tinted, and in the colour its key shows.
        const slots = page.locator('[data-testid="slot-grid"] label.slot');
        const levels = await slots.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-busy')));
        expect(levels.length).toBeGreaterThan(0);
        expect(levels.every((l) => l === 'quiet' || l === 'usual' || l === 'busy')).toBe(true);
        for (const level of new Set(levels)) {
          const slot = page.locator(`[data-testid="slot-grid"] label.slot[data-busy="${level}"]:not(.yours):not(.chosen)`).first();
          if (!(await slot.count())) continue;
          const tint = await slot.evaluate((el) => getComputedStyle(el).backgroundColor);
          expect(tint).toBe(await legend.locator(`.busy-${level!}`).evaluate((el) => getComputedStyle(el).backgroundColor));
          expect(await slot.textContent()).toContain(`${translate(lang, 'ui.busy.legend')}: ${translate(lang, `ui.busy.level.${level as 'quiet'}`)}`);
        }
        expect(new Set(levels).size).toBeGreaterThan(1);
        expect(await fitsWidth(page)).toBe(true);
        await picture(page, `book-${lang}`, size);
      }
    });

    it(`draws the forecast behind the live line on the owner's monitor (${lang})`, async () => {
      const page = await open(lang);
      await signIn(page, 'demo', 'owner', 'owner123');
      const answer = forecastOf(page, (u) => u.pathname === '/api/forecast');
      await page.goto('/admin');
      const forecasts = (await answer) as AreaForecast[];
      await page.getByTestId('chart-forecast-key').waitFor();
      for (const [size, viewport] of SIZES) {
        await page.setViewportSize(viewport);
        await bandIsDrawn(page, translate(lang, 'ui.chart.band'));
        // At the latest point (now), the readout gives the expected people when the gym is open.
        const openNow = forecasts.some((f) => f.hours.some((h) => h.open && Date.parse(h.starts_at) <= Date.now() && Date.now() < Date.parse(h.starts_at) + HOUR_MS));
        if (openNow) {
          await page.getByTestId('occupancy-chart').locator('[role="img"]').press('End');
          await expect.poll(() => page.getByTestId('chart-readout').textContent()).toMatch(new RegExp(translate(lang, 'ui.chart.readout_expected', { n: '\\d+', low: '\\d+', high: '\\d+' }).replace(/[()]/g, '\\$&')));
        }
        expect(await fitsWidth(page)).toBe(true);
        await picture(page, `monitor-${lang}`, size);
      }
    });
  }

  it('draws the forecast behind the live line on the wall display, keyed in both languages', async () => {
    const page = await open('en');
    await page.goto(`/display#token=${encodeURIComponent(gym.tokens.display)}`);
    await page.locator('[data-testid="display"][data-state="online"]').waitFor();
    await page.getByTestId('chart-forecast-key').waitFor();
    for (const [size, viewport] of SIZES) {
      await page.setViewportSize(viewport);
      await bandIsDrawn(page, `${translate('en', 'ui.chart.band')} · ${translate('el', 'ui.chart.band')}`);
      expect(await fitsWidth(page)).toBe(true);
      await picture(page, 'display', size);
    }
  });

  // Last: the new area would be one more than the areas the tests above expect.
  it('shows no busy hours for an area that has no history yet', async () => {
    const fresh = await gym.f.area(gym.demo, { name_en: 'Rowing Room' });
    const page = await open('en');
    const answer = forecastOf(page, (u) => u.pathname === '/api/forecast');
    await signIn(page, 'demo', 'member', 'member123');
    const forecasts = (await answer) as AreaForecast[];
    expect(forecasts.find((f) => f.area_id === fresh.id)?.hours).toEqual([]);
    await page.getByTestId('busy-hours').first().waitFor();
    const bar = page.locator(`[data-testid="area-bar"][data-area-id="${fresh.id}"]`);
    await bar.waitFor();
    expect(await bar.getByTestId('busy-hours').count()).toBe(0);
    expect(await page.getByTestId('busy-hours').count()).toBe(forecasts.filter((f) => f.hours.length).length);
  });

  it('reads the forecast again once the hour has turned, and moves "now" with it', async () => {
    const context = await newContext(browser, gym.url);
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: new Date() });
    const reads: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname === '/api/forecast' && reads.push(r.url()));
    const answer = forecastOf(page, (u) => u.pathname === '/api/forecast');
    await signIn(page, 'demo', 'member', 'member123');
    const first = ((await answer) as AreaForecast[]).find((f) => f.hours.length)!;
    const hours = first.hours;
    await page.getByTestId('busy-hours').first().waitFor();
    expect(reads.length).toBe(1);
    const next = hours.find((h) => Date.parse(h.starts_at) > Date.now());
    if (!next) return; // The last hour of the day: the next read is tomorrow's, another day's page.
    // Just before the hour turns and the measuring pass has run: still one read. Just after: two.
    await page.clock.fastForward(Date.parse(next.starts_at) + 70_000 - Date.now());
    expect(reads.length).toBe(1);
    await page.clock.fastForward(10_000);
    await expect.poll(() => reads.length).toBe(2);
    if (drawn(first).some((h) => h.starts_at === next.starts_at)) {
      const curve = page.locator(`[data-testid="busy-hours"][data-area-id="${first.area_id}"]`);
      await expect.poll(() => curve.locator('[data-testid="busy-col"][data-now]').getAttribute('data-hour')).toBe(next.hour);
    }
  });
});
