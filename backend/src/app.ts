/**
 * createApp(deps): the Koa application, its middleware order, and the mounted module routes.
 * Order: request id + access log, error envelope, security headers, CORS, language, JSON bodies,
 * authentication, routes, then the single-page app for everything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import helmet from 'koa-helmet';
import compress from 'koa-compress';
import serve from 'koa-static';
import send from 'koa-send';
import type { AppDeps } from './deps.js';
import { edgeOf } from './http/edge.js';
import { errorHandler } from './http/error-handler.js';
import { negotiateLocale, requestContext, requireJsonBodies } from './http/middleware.js';
import { ApiRegistry } from './http/route.js';
import { httpMetrics, noteErrors } from './metrics/index.js';
import { authentication } from './modules/auth/auth.middleware.js';
import { moduleRoutes } from './modules/index.js';
import { outgoingWebhooks } from './modules/webhooks/webhooks.openapi.js';

export function createApp(deps: AppDeps): { app: Koa; registry: ApiRegistry } {
  const { config, log } = deps;
  // Koa's own proxy handling trusts any peer; the client's address and scheme come from the edge instead.
  const app = new Koa({ proxy: false });
  const edge = edgeOf(config);
  Object.defineProperties(app.request, {
    ip: { get(this: Koa.Request) { return edge.clientAddress(this.req); }, configurable: true },
    protocol: { get(this: Koa.Request) { return edge.protocol(this.req); }, configurable: true },
  });
  app.keys = [config.session.secret];
  // Koa prints what reaches it (a client gone mid-download) as a plain-text stack on stderr; the log is
  // JSON only, and a client leaving early is no error of ours.
  app.on('error', (err: NodeJS.ErrnoException) => {
    const gone = err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
    if (gone) log.debug({ err: err.message, code: err.code }, 'client left before the answer was sent');
    else log.error({ err }, 'error outside a request');
  });

  const registry = new ApiRegistry().add(...moduleRoutes(deps)).addWebhooks(...outgoingWebhooks());

  app.use(requestContext(log));
  app.use(httpMetrics());
  app.use(errorHandler(log));
  app.use(noteErrors());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          upgradeInsecureRequests: config.isProduction ? [] : null,
        },
      },
      strictTransportSecurity: config.isProduction,
    }),
  );
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('origin');
        return edge.originAllowed(origin) ? origin : '';
      },
      credentials: true,
      allowHeaders: ['Authorization', 'Content-Type', 'X-Tenant-ID', 'X-CSRF-Token', 'Idempotency-Key', 'X-Request-Id'],
      exposeHeaders: ['Link', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
      maxAge: 600,
    }),
  );
  // Answers of 1 kB or more go out compressed (brotli or gzip, as the client accepts); the built files are
  // compressed once at build time instead (vite.config.ts). Never an event stream, which compression would
  // hold back; Socket.IO never reaches Koa.
  app.use(compress({ threshold: 1024, filter: (type) => /json|text|javascript|svg|xml/i.test(type) && !/event-stream/i.test(type) }));
  app.use(negotiateLocale());
  app.use(requireJsonBodies());
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '100kb', encoding: 'utf-8' }));
  for (const mw of authentication(deps)) app.use(mw);

  // Metrics live on the internal metrics port only (metrics/registry.ts), never on the public one.
  registry.router.get('/metrics', (ctx) => {
    ctx.status = 404;
  });
  registry.router.get('/api/openapi.json', (ctx) => {
    ctx.body = registry.openapi(config.publicUrl);
  });
  app.use(registry.router.routes());
  app.use(registry.router.allowedMethods());

  // The built single-page app: files as they are (their .br/.gz twin when the client takes it), every
  // other GET outside /api gets index.html. Hashed files under assets/ never change under their name, so
  // they are kept a year; everything else (index.html, the service worker, the manifest) is revalidated
  // on every visit, so a deploy reaches everyone at once.
  const index = path.join(config.staticDir, 'index.html');
  const assets = path.join(config.staticDir, 'assets') + path.sep;
  const files = {
    index: false as const,
    brotli: true,
    gzip: true,
    setHeaders: (res: { setHeader(name: string, value: string): void }, file: string) =>
      res.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  };
  app.use(serve(config.staticDir, files));
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path.startsWith('/api') || ctx.path.startsWith('/socket.io')) {
      await next();
      return;
    }
    if (!fs.existsSync(index)) {
      ctx.type = 'text/plain';
      ctx.body = 'The web app is not built yet: run `npm run build`.';
      return;
    }
    await send(ctx, 'index.html', { ...files, root: config.staticDir });
  });
  return { app, registry };
}
