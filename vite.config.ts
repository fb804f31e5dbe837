/**
 * The Svelte dashboard: built into dist/frontend (served by the backend in production); in development
 * Vite serves it and proxies the API, the cookie-session routes and Socket.IO to the backend on :3000.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const backend = process.env.VITE_BACKEND_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: 'frontend',
  plugins: [svelte()],
  resolve: {
    alias: {
      // The frontend imports only the backend's contracts (envelope, events, i18n), never other backend code.
      $contracts: fileURLToPath(new URL('./backend/src/contracts', import.meta.url)),
    },
  },
  build: {
    outDir: '../dist/frontend',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
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
