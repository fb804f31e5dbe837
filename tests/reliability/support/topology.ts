/**
 * The loopback topology for tests: one-off HTTP calls and Socket.IO clients from a chosen loopback source
 * address (the address nginx and the nodes see), and the check that nginx is there.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { IN_CI } from '../../support/services.js';

export function hasNginx(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' });
    return true;
  } catch {
    if (IN_CI) throw new Error('CI needs nginx');
    console.warn('\n*** SKIPPING the loopback topology: nginx is not installed. It runs in CI. ***\n');
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP call through nginx from a chosen loopback source address. */
export function call(base: string, method: string, path: string, options: { from: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname, port: url.port, path: url.pathname + url.search, method, localAddress: options.from, agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* not JSON: the SPA or metrics */ }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}


/** A Socket.IO client through nginx from a chosen source address. */
export function connectVia(base: string, tenantId: string, token: string, from: string, reconnection = false, transports: ('websocket' | 'polling')[] = ['websocket']): Promise<Socket> {
  const socket = io(`${base}/tenant/${tenantId}`, {
    auth: { token },
    transports,
    forceNew: true,
    reconnection,
    reconnectionDelay: 200,
    reconnectionDelayMax: 500,
    localAddress: from,
  } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}
