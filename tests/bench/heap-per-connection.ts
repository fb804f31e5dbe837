/**
 * What an idle authenticated connection holds in the server's heap, by kind of object, product against
 * the bare Socket.IO server (`npx tsx tests/bench/heap-per-connection.ts [clients]`, default 5,000). Each
 * runs as one process; a heap snapshot is taken before and after the clients connect. RSS per connection
 * (the bench's figure) also counts what the heap keeps free; this says what the objects are.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addressAllocator, ClientFleet } from './lib/client-fleet.js';
import { REDIS_URL } from './lib/database.js';
import { heapKinds, perConnection, snapshotOf, type HeapKinds } from './lib/heap-snapshot.js';
import { descendants, freePort, sleep, spawnEntry } from './lib/proc.js';
import { startProduct } from './suites/product.js';

const clients = Number(process.argv[2] ?? 5000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gymflow-heap-'));
const snapshotting = { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}` };

interface Target { url: string; nsp: string; tokens: string[]; pid: number; stop(): Promise<unknown> }

async function bare(): Promise<Target> {
  const port = await freePort();
  const nsp = '/tenant/00000000-0000-4000-8000-000000000000';
  const server = spawnEntry('tests/bench/servers/bare-socketio.ts', { ...process.env, ...snapshotting, PORT: String(port), WORKERS: '1', NAMESPACE: nsp, REDIS_URL });
  await server.waitForLine(/^ready$/, 60_000);
  // The bare server is a cluster primary with one worker; the worker holds the sockets.
  return { url: `http://127.0.0.1:${port}`, nsp, tokens: ['none'], pid: descendants(server.pid)[0]!, stop: () => server.stop() };
}

async function product(): Promise<Target> {
  const p = await startProduct({ workers: 1, areas: 1, members: 16, logLevel: 'warn', tenants: 0, areasPerTenant: 0, env: snapshotting });
  const tokens = await Promise.all(Array.from({ length: 16 }, (_, i) => p.token(i)));
  return { url: p.url, nsp: p.nsp, tokens, pid: p.node.pid, stop: () => p.stop() };
}

async function measure(label: string, start: () => Promise<Target>): Promise<{ before: HeapKinds; after: HeapKinds }> {
  const fleet = await ClientFleet.start(1);
  const target = await start();
  try {
    await sleep(2000);
    const before = heapKinds(await snapshotOf(target.pid, dir));
    const res = await fleet.connect(clients, { url: target.url, nsp: target.nsp, tokens: target.tokens, sourceAddresses: addressAllocator()(4) }, () => undefined);
    if (res.connected < clients) throw new Error(`${label}: ${res.connected} of ${clients} connected`);
    await sleep(2000);
    return { before, after: heapKinds(await snapshotOf(target.pid, dir)) };
  } finally {
    await fleet.closeAll();
    await fleet.stop();
    await target.stop();
  }
}

const b = await measure('bare', bare);
const p = await measure('product', product);
fs.rmSync(dir, { recursive: true, force: true });
const bareKinds = perConnection(b.before, b.after, clients);
const productKinds = perConnection(p.before, p.after, clients);
const total = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((sum, k) => sum + k.bytes, 0);
console.log(`heap per connection (${clients.toLocaleString('en-US')} clients): product ${Math.round(total(productKinds))} B, bare ${Math.round(total(bareKinds))} B`);
const rows = [...new Set([...productKinds.keys(), ...bareKinds.keys()])].map((key) => {
  const pk = productKinds.get(key) ?? { bytes: 0, count: 0 };
  const bk = bareKinds.get(key) ?? { bytes: 0, count: 0 };
  return { key, extra: pk.bytes - bk.bytes, pk, bk };
});
rows.sort((x, y) => Math.abs(y.extra) - Math.abs(x.extra));
console.log('extra B   product (objects)   bare (objects)   kind');
for (const r of rows.slice(0, 20)) {
  console.log(`${r.extra.toFixed(0).padStart(7)}   ${r.pk.bytes.toFixed(0).padStart(6)} (${r.pk.count.toFixed(2)})   ${r.bk.bytes.toFixed(0).padStart(6)} (${r.bk.count.toFixed(2)})   ${r.key}`);
}
