/**
 * The Svelte dashboard: built into dist/frontend (served by the backend in production); in development
 * Vite serves it and proxies the API, the cookie-session routes and Socket.IO to the backend on :3000.
 * The build is an installable app (manifest, service worker that opens the shell offline), without
 * source maps, and every text file gets brotli and gzip twins the server sends as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

const backend = process.env.VITE_BACKEND_URL ?? 'http://localhost:3000';
const outDir = fileURLToPath(new URL('./dist/frontend', import.meta.url));

/**
 * Writes name.br (quality 11) and name.gz (level 9) next to every text file over 1 kB, after the
 * service worker is written: compressed once here instead of on every request (koa-send serves them).
 */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return {
    name: 'gymflow:precompress',
    apply: 'build',
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        for (const file of walk(outDir)) {
          if (!/\.(?:js|mjs|css|html|svg|json|webmanifest|txt)$/.test(file)) continue;
          const data = fs.readFileSync(file);
          if (data.length < 1024) continue;
          fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
          fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
        }
      },
    },
  };
}

export default defineConfig({
  root: 'frontend',
  plugins: [
    svelte(),
    VitePWA({
      // main.ts registers it (virtual:pwa-register); nothing inline, which the CSP would refuse.
      injectRegister: false,
      registerType: 'autoUpdate',
      includeAssets: ['icon.svg', 'apple-touch-icon.png'],
      manifest: {
        name: 'GymFlow',
        short_name: 'GymFlow',
        description: 'Live gym capacity, bookings and workouts',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0f766e',
        background_color: '#f8fafc',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // The shell only: the built files, precached and served from the cache; every navigation gets
        // index.html. The API, the session routes and Socket.IO are never routed through the cache.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api(?:\/|$)/, /^\/auth(?:\/|$)/, /^\/socket\.io(?:\/|$)/, /^\/metrics$/, /^\/(?:healthz|readyz|livez)$/],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
      },
    }),
    precompress(),
  ],
  resolve: {
    alias: {
      // The frontend imports only the backend's contracts (envelope, events, i18n), never other backend code.
      $contracts: fileURLToPath(new URL('./backend/src/contracts', import.meta.url)),
    },
  },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // No public source maps: the bundle is the only thing a browser gets.
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/auth': { target: backend, changeOrigin: false },
      '/socket.io': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
