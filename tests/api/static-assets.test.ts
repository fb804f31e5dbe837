/**
 * How the built app reaches a phone: precompressed files (brotli, gzip), hashed assets cached a year,
 * index.html and the service worker revalidated, no source maps, an installable manifest, and JSON
 * answers compressed above a threshold, never Socket.IO.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withPostgres } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { ensureBuilt } from '../browser/support.js';

describe.runIf(withPostgres)('the built web app over HTTP', { timeout: 120_000 }, () => {
  let server: TestServer;
  let script: string;
  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer();
    const html = await (await fetch(server.url + '/')).text();
    script = html.match(/src="(\/assets\/index-[^"]+\.js)"/)![1]!;
  }, 300_000);
  afterAll(async () => { await server?.stop(); });
  const get = (p: string, encoding = 'br, gzip') => fetch(server.url + p, { headers: { 'accept-encoding': encoding } });

  it('sends index.html precompressed, revalidated, with a first paint before the script', async () => {
    const res = await get('/login');
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('class="shell-top"');
    expect(html.indexOf('shell-top')).toBeLessThan(html.indexOf('<script'));
  });

  it('caches hashed assets for a year, in the encoding the client takes, without source maps', async () => {
    for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', null]] as const) {
      const res = await get(script, accept);
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
      const body = await res.text();
      expect(body).not.toContain('sourceMappingURL');
    }
    const dist = path.resolve('dist/frontend');
    const maps = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.map'));
    expect(maps).toEqual([]);
    expect((await get(`${script}.map`)).headers.get('content-type')).not.toMatch(/json/);
  });

  it('is installable: a manifest with icons and a service worker that is never cached', async () => {
    const manifest = await (await get('/manifest.webmanifest')).json();
    expect(manifest).toMatchObject({ name: 'GymFlow', start_url: '/', display: 'standalone', theme_color: '#0f766e' });
    const sizes = manifest.icons.map((i: { sizes: string }) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
    for (const icon of manifest.icons) expect((await get(icon.src)).status).toBe(200);
    const sw = await get('/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const code = await sw.text();
    // The API and Socket.IO stay out of the service worker's hands.
    expect(code).toContain('^\\/api');
    expect(code).toContain('socket\\.io');
  });

  it('compresses JSON answers above the threshold, and neither small ones nor Socket.IO', async () => {
    const big = await get('/api/openapi.json');
    expect(big.headers.get('content-encoding')).toBe('br');
    expect((await big.json()).openapi).toBeDefined();
    const small = await get('/healthz');
    expect(small.headers.get('content-encoding')).toBeNull();
    const io = await get('/socket.io/?EIO=4&transport=polling', 'br');
    expect(io.status).toBe(200);
    expect(io.headers.get('content-encoding')).not.toBe('br');
  });

  it('logs nothing in plain text when a client leaves in the middle of a download', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve) => {
          const req = http.get(server.url + script, { headers: { 'accept-encoding': 'identity' } }, (res) => {
            res.once('data', () => { req.destroy(); setTimeout(resolve, 200); });
          });
          req.on('error', () => undefined);
        });
      }
      expect(printed.mock.calls.map((c) => String(c[0]).slice(0, 120))).toEqual([]);
    } finally {
      printed.mockRestore();
    }
  });
});
