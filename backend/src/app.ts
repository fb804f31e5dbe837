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
import serve from 'koa-static';
import send from 'koa-send';
import type { AppDeps } from './deps.js';
import { edgeOf } from './http/edge.js';
import { errorHandler } from './http/error-handler.js';
import { negotiateLocale, requestContext, requireJsonBodies } from './http/middleware.js';
import { ApiRegistry } from './http/route.js';
import { httpMetrics, nodeMetrics, registry as metricsRegistry, watchDbPool } from './metrics.js';
import { authentication } from './modules/auth/auth.middleware.js';
import { moduleRoutes } from './modules/index.js';

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

  const registry = new ApiRegistry().add(...moduleRoutes(deps));

  app.use(requestContext(log));
  app.use(httpMetrics());
  app.use(errorHandler(log));
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
  app.use(negotiateLocale());
  app.use(requireJsonBodies());
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '100kb', encoding: 'utf-8' }));
  for (const mw of authentication(deps)) app.use(mw);

  // Prometheus text format; nginx keeps it internal (see nginx/).
  watchDbPool(deps.db.knex.client);
  registry.router.get('/metrics', async (ctx) => {
    ctx.type = metricsRegistry.contentType;
    ctx.body = await nodeMetrics();
  });
  registry.router.get('/api/openapi.json', (ctx) => {
    ctx.body = registry.openapi(config.publicUrl);
  });
  app.use(registry.router.routes());
  app.use(registry.router.allowedMethods());

  // The built single-page app: files as they are, every other GET outside /api gets index.html.
  const index = path.join(config.staticDir, 'index.html');
  app.use(serve(config.staticDir, { index: false, maxage: config.isProduction ? 3600_000 : 0 }));
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path.startsWith('/api') || ctx.path.startsWith('/socket.io')) return next();
    if (!fs.existsSync(index)) {
      ctx.type = 'text/plain';
      ctx.body = 'The web app is not built yet: run `npm run build`.';
      return;
    }
    await send(ctx, 'index.html', { root: config.staticDir });
  });
  return { app, registry };
}
