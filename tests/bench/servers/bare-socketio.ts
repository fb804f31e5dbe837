/**
 * The bare limit of the real-time path: Socket.IO with no application code, in the product's topology
 * (WORKERS cluster workers sharing the port, the sharded Redis adapter). Clients join
 * one tenant-shaped namespace without any check; `POST /emit` (any worker) broadcasts one event of the
 * same size as a product booking:created to every client on every worker.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS ?? 2);
const nsp = process.env.NAMESPACE ?? '/tenant/00000000-0000-4000-8000-000000000000';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', (_w, msg: { type?: string }) => {
    if (msg?.type === 'bench:ready' && ++ready === workers) console.log('ready');
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  let seq = 0;
  const httpServer = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.statusCode = ready ? 200 : 503;
      res.end();
      return;
    }
    if (req.method === 'POST' && req.url === '/emit') {
      req.resume();
      req.on('end', () => {
        seq++;
        io.of(nsp).emit('booking:created', {
          seq,
          at: new Date().toISOString(),
          booking: {
            id: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5',
            area_id: '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3',
            date: '2026-12-01',
            start_time: '10:00',
            duration: 60,
            status: 'confirmed',
          },
        });
        res.statusCode = 204;
        res.end();
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  const io = new Server(httpServer, { serveClient: false });
  io.adapter(createShardedAdapter(pub, sub));
  httpServer.listen(port, '127.0.0.1');
  io.of(nsp).on('connection', () => undefined);
  let ready = false;
  void Promise.all([pub, sub].map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r))))).then(() => {
    ready = true;
    process.send!({ type: 'bench:ready' });
  });
}
