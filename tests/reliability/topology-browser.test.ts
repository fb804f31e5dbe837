/**
 * Real browsers through the real topology: Debian's Chromium on a tenant subdomain
 * (`demo.localhost:<nginx port>` resolves to loopback in Chromium) -> nginx from the shipped template ->
 * two app nodes, each a primary with two workers -> PostgreSQL and Redis. A member signs in through
 * nginx, the connection badge says live, and a booking made by a second browser reaches the first
 * within a second, also when it went through the node that does not hold the first one's socket; then
 * the same where WebSocket cannot get through (long-polling only, every request of a session sent to
 * its node by nginx).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startCluster, type Cluster } from '../../scripts/cluster.js';
import { ensureBuilt, launchBrowser, newContext } from '../browser/support.js';
import { REDIS_URL, requireService, withPostgres, withRedis } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { freePort, hasNginx } from './support/topology.js';

const withChromium = await requireService('chromium');

/**
 * A network where WebSocket cannot get through (a proxy that refuses the upgrade): every WebSocket fails
 * as the browser reports it, an error and then a close, and the page must fall back to long-polling.
 */
function blockWebSocket() {
  class BlockedWebSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    binaryType = 'blob';
    onopen: ((e: Event) => void) | null = null;
    onerror: ((e: Event) => void) | null = null;
    onclose: ((e: Event) => void) | null = null;
    onmessage: ((e: Event) => void) | null = null;
    constructor(readonly url: string) {
      super();
      setTimeout(() => {
        this.readyState = 3;
        const error = new Event('error');
        this.onerror?.(error);
        this.dispatchEvent(error);
        const close = new CloseEvent('close', { code: 1006 });
        this.onclose?.(close);
        this.dispatchEvent(close);
      }, 20);
    }
    send() {}
    close() {}
  }
  Object.defineProperty(window, 'WebSocket', { value: BlockedWebSocket });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(withPostgres && withRedis && withChromium && hasNginx())('Chromium through nginx and two nodes', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let browser: Browser;
  let site: string;
  let ports: number[];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    ports = [portA, portB];
    site = `http://demo.localhost:${nginxPort}`;
    [cluster, browser] = await Promise.all([
      startCluster({
        databaseUrl: db.url, redisUrl: REDIS_URL, nginxPort, appPorts: ports, workers: 2, seed: true,
        env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', PUBLIC_URL: `http://localhost:${nginxPort}`, BASE_DOMAIN: 'localhost' },
      }),
      launchBrowser(),
    ]);
  }, 420_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await cluster?.stop();
    await db?.drop();
  }, 60_000);

  /** A signed-in member's page on the slot grid of tomorrow, its badge live; `sessions` lists its Socket.IO session ids as they are seen. */
  async function member(username: string, options: { pollingOnly?: boolean } = {}) {
    const context = await newContext(browser, site);
    contexts.push(context);
    if (options.pollingOnly) await context.addInitScript(blockWebSocket);
    const page = await context.newPage();
    const sessions: string[] = [];
    const transports = new Set<string>();
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (!url.pathname.startsWith('/socket.io/')) return;
      transports.add(url.searchParams.get('transport') ?? '');
      const sid = url.searchParams.get('sid');
      if (sid) sessions.push(sid);
    });
    page.on('websocket', (ws) => transports.add(new URL(ws.url()).searchParams.get('transport') ?? '') && ws.on('framereceived', ({ payload }) => {
      const sid = /"sid":"([^"]+)"/.exec(String(payload))?.[1];
      if (sid) sessions.push(sid);
    }));
    // On a tenant's subdomain the form knows the gym and may not ask for it.
    await page.goto('/login');
    await page.getByLabel(/^Username$/).waitFor();
    const gym = page.getByLabel(/^Gym$/);
    if (await gym.isVisible()) await gym.fill('demo');
    await page.getByLabel(/^Username$/).fill(username);
    await page.getByLabel(/^Password$/).fill('member123');
    await page.getByRole('button', { name: /^Sign in$/ }).click();
    await page.getByTestId('whoami').waitFor({ state: 'attached' });
    await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ state: 'attached' });
    return { page, sessions, transports };
  }

  /** The node port of a Socket.IO session (its id starts with the node's name, app1 or app2). */
  const nodeOfSession = (sid: string) => ports[Number(/^app(\d+)\./.exec(sid)?.[1]) - 1];
  /** The node port that answered the last booking POST, from nginx's access log. */
  const lastBookingNode = async () => {
    await sleep(50);
    const line = fs.readFileSync(cluster.accessLog, 'utf8').trim().split('\n').reverse().find((l) => l.includes('"POST /api/book-room'));
    return Number(line?.split(' ')[2]?.split(':').at(-1));
  };

  async function bookingReachesTheOther(options: { pollingOnly?: boolean }, hours: string[]) {
    // Tomorrow the demo members hold Squash Court at 09:00 and the Weight Room at 10:00 (db/seeds/demo.ts).
    const watcher = await member('member', options);
    const booker = await member('member2', options);
    const squash = async (page: Page) => {
      await page.goto('/');
      await page.getByRole('link', { name: /Squash Court/ }).first().click();
      await page.getByRole('button', { name: /Tomorrow/ }).click();
      await page.getByTestId('connection').and(page.locator('[data-state="online"]')).waitFor({ state: 'attached' });
    };
    await squash(watcher.page);
    await squash(booker.page);
    const seenBefore = watcher.sessions.length;
    const watcherSid = watcher.sessions.at(-1)!;
    expect(watcherSid, 'the watcher has a session').toBeTruthy();
    const watcherNode = nodeOfSession(watcherSid);
    let throughOther = 0;
    for (const hour of hours) {
      await watcher.page.locator(`label[data-slot="${hour}"]`).waitFor();
      await booker.page.locator(`label[data-slot="${hour}"]`).click();
      await booker.page.getByTestId('book-confirm').click();
      await booker.page.getByTestId('book-notice').waitFor();
      // The slot leaves the watcher's bookable choices (it stays in the grid as full) within a second of the answer.
      await watcher.page.locator(`label[data-slot="${hour}"]`).waitFor({ state: 'detached', timeout: 1000 });
      if ((await lastBookingNode()) !== watcherNode) throughOther++;
      if (throughOther > 0) break;
      await booker.page.getByRole('button', { name: /Tomorrow/ }).click();
    }
    expect(throughOther, 'a booking went through the node that does not hold the watcher’s socket').toBeGreaterThan(0);
    return { watcher, booker, watcherSid, later: watcher.sessions.slice(seenBefore) };
  }

  it('signs a member in on the tenant subdomain, shows live, and delivers another browser’s booking within a second', async () => {
    const { watcher } = await bookingReachesTheOther({}, ['11:00', '12:00', '13:00', '14:00']);
    expect(watcher.transports.has('websocket')).toBe(true);
  });

  it('does the same with WebSocket disabled in the page: long-polling through nginx, sticky to its node', async () => {
    const { watcher, watcherSid, later } = await bookingReachesTheOther({ pollingOnly: true }, ['15:00', '16:00', '17:00', '18:00']);
    expect([...watcher.transports]).toEqual(['polling']);
    // Every polling request while the bookings came in reached the node that issued the session: it never changed.
    expect(later.length).toBeGreaterThan(0);
    expect(new Set(later)).toEqual(new Set([watcherSid]));
  });
});
