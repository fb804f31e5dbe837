/**
 * The bare limit of the HTTP path: a Koa endpoint that parses a JSON body and answers a JSON envelope
 * of the booking's size, with no other middleware, in a cluster of WORKERS workers (the primary hands
 * connections out round-robin) like the product's worker count.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';

const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS ?? 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let ready = 0;
  cluster.on('listening', () => {
    if (++ready === workers) console.log('ready');
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const app = new Koa();
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use((ctx) => {
    const body = (ctx.request as unknown as { body: Record<string, unknown> }).body ?? {};
    ctx.status = ctx.method === 'POST' ? 201 : 200;
    ctx.body = {
      success: true,
      message: 'Booking confirmed',
      data: { booking: { id: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', ...body, status: 'confirmed', price: 8 } },
      timestamp: new Date().toISOString(),
    };
  });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
}
