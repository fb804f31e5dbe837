/**
 * The OpenAPI 3.1 document is generated from the same zod schemas that validate requests: it validates,
 * lists every mounted route, and the browsable page renders it under the strict CSP (no CDN, no inline script).
 */
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/src/app.js';
import { CHROMIUM_PATH, hasChromium, IN_CI } from '../support/services.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

const withChromium = (await hasChromium()) || IN_CI;

describe('the API document (PGlite)', () => {
  let server: TestServer;
  let doc: any;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = await res.json();
  });
  afterAll(async () => server?.stop());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every webhook the server sends, with its payload', async () => {
    const { WEBHOOK_EVENT_TYPES } = await import('../../backend/src/contracts/webhooks.js');
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES, 'webhook:test'].sort());
    const booking = doc.webhooks['booking:created'].post;
    expect(booking.requestBody.content['application/json'].schema.properties.type.const).toBe('booking:created');
    expect(booking.parameters.map((p: { name: string }) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  });

  it('lists every mounted route with its method', () => {
    const { registry } = createApp(server.deps);
    expect(registry.routes.length).toBeGreaterThan(30);
    for (const r of registry.routes) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    }
    for (const p of ['/api/gym-status', '/api/available-slots/{areaId}', '/api/book-room', '/api/user-bookings', '/api/cancel-booking',
      '/api/start-workout', '/api/complete-workout', '/api/areas', '/api/programs', '/api/members', '/api/bookings', '/api/visits']) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });

  it('declares the answer of every route, so the tests can hold each answer to it', () => {
    const undeclared = server.routes.filter((r) => !r.response).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(undeclared).toEqual([]);
  });

  it('has every route in docs/http-endpoints.md', () => {
    const page = fs.readFileSync(new URL('../../docs/http-endpoints.md', import.meta.url), 'utf8');
    const missing = server.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((r) => !page.includes(`\`${r}\``));
    expect(missing).toEqual([]);
  });

  it('documents the request schemas that validate, the Idempotency-Key and the error envelope', () => {
    const book = doc.paths['/api/book-room'].post;
    const schema = book.requestBody.content['application/json'].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').at(-1)] : schema;
    expect(resolved.required).toEqual(expect.arrayContaining(['room_id', 'time']));
    expect(book.parameters.some((p: any) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
    expect(Object.keys(book.responses)).toEqual(expect.arrayContaining(['201', 'default']));
    expect(doc.paths['/api/available-slots/{areaId}'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['areaId', 'date']));
    expect(doc.paths['/api/bookings'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor', 'area_id', 'status']));
  });

  it('serves the documentation page and its assets locally, and 404s anything else', async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/);
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'docs-init.js']) {
      const res = await fetch(`${server.url}/api/docs/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const missing = await api(server.url, 'GET', '/api/docs/..%2Fpackage.json');
    expect(missing.status).toBe(404);
    expect((await api(server.url, 'GET', '/api/docs/index.html')).status).toBe(404);
  });

  it.runIf(withChromium)('renders every operation in a browser under the content security policy', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
      await page.goto(`${server.url}/api/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
      expect(paths).toContain('/api/book-room');
      // Swagger UI lists the outgoing webhooks beside the paths.
      const operations = [...Object.values(doc.paths), ...Object.values(doc.webhooks)].reduce((n: number, p: any) => n + Object.keys(p).length, 0);
      expect(paths.length).toBe(operations);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
