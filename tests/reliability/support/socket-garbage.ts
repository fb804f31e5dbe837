/**
 * Malformed socket traffic: wrong `resume` arguments through a real client, and raw Engine.IO /
 * Socket.IO frames and polling requests that no client library would send. The server must neither
 * crash nor answer a 5xx, and a well-behaved client must still connect and receive events afterwards.
 */
import WebSocket from 'ws';
import { raw } from './raw-http.js';
import { rng } from './figures.js';
import { listen, sleep } from './sockets.js';

export interface SocketGarbageFigures {
  payloads: number;
  serverErrors: string[];
  /** resume calls answered with success although their argument was bad. */
  acceptedBadResume: string[];
}

const BAD_RESUME: readonly unknown[] = [
  undefined, null, 0, 'x', [], {}, { since: -1 }, { since: 1.5 }, { since: '1e3' }, { since: 'abc' }, { since: null }, { since: {} },
  { since: [] }, { since: Number.MAX_SAFE_INTEGER + 10 }, { since: '99999999999999999999' }, { since: true }, { since: { $gt: 0 } },
  { __proto__: { since: 1 } }, { since: '0x10' }, { since: ' 1' }, { since: Infinity }, { since: -0.0001 },
];

function frames(namespace: string, token: string, r: () => number): Array<string | Buffer> {
  const pick = <T>(l: readonly T[]) => l[Math.floor(r() * l.length)]!;
  const junk = () => pick(['', '{', '[', '"', 'null', '[]', '{}', '"\\u0000"', '[1,2', '{"a":', 'x'.repeat(20_000)]);
  return [
    '', 'x', '0', '1', '2', '3', '4', '5', '6', '7', '9', '2probe', '4{', '40', '41', '42', '43', '44', '45', '46', '47', '4x',
    `40${namespace}`, `40${namespace},`, `40${namespace},${junk()}`, `40${namespace},{"token":${JSON.stringify(token)},"since":${pick(['-1', '"x"', '{}', '1e400'])}}`,
    `40/tenant/${'x'.repeat(200)},{}`, '40/tenant/../../,{}', '40/,{}', '40/admin,{}', `41${namespace}`,
    `42${namespace},${junk()}`, `42${namespace},["resume"]`, `42${namespace},["resume",${junk()}]`, `421${namespace},["resume",{"since":-5}]`,
    `42${namespace},[${JSON.stringify('x'.repeat(3000))}]`, `42${namespace},[{"a":1}]`, `42${namespace},[null,1]`, `42${namespace},["__proto__",{}]`,
    `451-${namespace},["resume",{"_placeholder":true,"num":0}]`, `452-${namespace},["resume",{"_placeholder":true,"num":99}]`,
    `43${namespace},9999[]`, `4${'9'.repeat(30)}`, Buffer.from([0xff, 0x00, 0xfe]), Buffer.alloc(40_000, 1), `42${namespace},` + '['.repeat(3000),
  ];
}

/** Runs `rounds` rounds of garbage; each round opens a raw WebSocket and a few polling requests. */
export async function socketGarbage(baseUrl: string, tenantId: string, token: string, options: { rounds: number; seed: number }): Promise<SocketGarbageFigures> {
  const figures: SocketGarbageFigures = { payloads: 0, serverErrors: [], acceptedBadResume: [] };
  const namespace = `/tenant/${tenantId}`;
  const r = rng(options.seed);

  // Bad resume arguments through a real client, with and without an ack.
  const client = await listen(baseUrl, tenantId, { token });
  for (const arg of BAD_RESUME) {
    figures.payloads += 2;
    client.socket.emit('resume', arg as never);
    const ack = await client.socket.timeout(5000).emitWithAck('resume', arg as never).catch((e: Error) => ({ timeout: e.message }));
    // Every argument above is invalid: none may be accepted as a resume.
    if ((ack as { success?: boolean }).success === true) figures.acceptedBadResume.push(JSON.stringify(arg) ?? String(arg));
  }
  for (const name of ['unknown', 'connect', 'disconnect', 'error', '__proto__', 'resume\u0000', 'x'.repeat(500)]) {
    try {
      client.socket.emit(name as never, { since: 0 } as never);
      figures.payloads++;
    } catch {
      // The client library refuses reserved names; raw frames below send them anyway.
    }
  }
  client.close();

  const wsUrl = baseUrl.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
  for (let round = 0; round < options.rounds; round++) {
    const list = frames(namespace, token, r);
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(wsUrl);
      const done = () => resolve();
      ws.on('error', done);
      ws.on('close', done);
      ws.on('unexpected-response', (_req, res) => {
        if ((res.statusCode ?? 0) >= 500) figures.serverErrors.push(`websocket upgrade answered ${res.statusCode}`);
        done();
      });
      ws.on('open', async () => {
        // A handshake first, so the frames reach the Socket.IO parser, then garbage in random order.
        ws.send(`40${namespace},${JSON.stringify({ token })}`);
        for (let k = 0; k < list.length && ws.readyState === WebSocket.OPEN; k++) {
          figures.payloads++;
          ws.send(list[Math.floor(r() * list.length)]!);
          if (k % 8 === 0) await sleep(1);
        }
        await sleep(20);
        ws.terminate();
      });
    });
    // Polling transport: bad versions, bad sids, bad bodies.
    const polls = [
      { method: 'GET', path: '/socket.io/?EIO=3&transport=polling' },
      { method: 'GET', path: '/socket.io/?EIO=4&transport=polling&sid=bogus' },
      { method: 'GET', path: '/socket.io/?EIO=4&transport=carrier-pigeon' },
      { method: 'POST', path: '/socket.io/?EIO=4&transport=polling&sid=bogus', body: '42["resume"]' },
      { method: 'POST', path: '/socket.io/?EIO=4&transport=polling', body: 'x'.repeat(2_000_000) },
      { method: 'GET', path: '/socket.io/?EIO=4&transport=polling&t=' + '%E0%A4%A' },
      { method: 'PUT', path: '/socket.io/?EIO=4&transport=polling' },
      { method: 'GET', path: '/socket.io/' },
      { method: 'GET', path: '/socket.io/?EIO=4&transport=websocket' },
    ];
    for (const p of polls) {
      figures.payloads++;
      try {
        const a = await raw(baseUrl, { method: p.method, path: p.path, body: p.body, headers: p.body ? { 'content-type': 'text/plain;charset=UTF-8' } : {} });
        if (a.status >= 500) figures.serverErrors.push(`${p.method} ${p.path.slice(0, 80)} → ${a.status}`);
      } catch {
        // A connection the server closes on an oversized body is a refusal, not an error answer.
      }
    }
  }
  return figures;
}
