/**
 * Socket.IO sessions across the workers of one node, without a sticky primary. Node's cluster hands each
 * TCP connection to a worker and HTTP connections stay alive, so a long-polling request (or a WebSocket
 * upgrade) of a session may reach any worker. Every session id starts with the id of the worker that
 * holds it (`<worker id>-<random>`), after the node's name when it has one (`<node>.<worker id>-<random>`,
 * which nginx routes by: README, "Sticky long-polling"); a request for another worker's session is forwarded to that worker
 * over its private loopback port, which the primary tells every worker. Only ports of this node's own
 * workers are ever contacted, whatever a request claims.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

const SESSION_OF_WORKER = /[?&]sid=(?:[a-z0-9]{1,32}\.)?(\d{1,6})-/;
/** Hop-by-hop headers stay with their own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;
type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface SessionForwarding {
  /** This worker's private port on 127.0.0.1, where the other workers forward its sessions' requests. */
  readonly port: number;
  /** The private ports of the node's workers by worker id (from the primary; replaces the last map). */
  setWorkers(ports: Readonly<Record<string, number>>): void;
  close(): Promise<void>;
}

/**
 * Installs the forwarding on a worker's HTTP server, after Socket.IO has attached to it. `engine` is
 * the Engine.IO server, whose session ids then carry `workerId`.
 */
export async function forwardSessions(
  httpServer: http.Server,
  engine: { generateId(req: http.IncomingMessage): string | PromiseLike<string> },
  workerId: number,
  nodeId?: string,
): Promise<SessionForwarding> {
  const prefix = nodeId ? `${nodeId}.${workerId}-` : `${workerId}-`;
  engine.generateId = () => `${prefix}${randomBytes(15).toString('base64url')}`;
  let workers = new Map<number, number>();
  const agent = new http.Agent({ keepAlive: true });

  const onRequest = httpServer.listeners('request') as RequestListener[];
  const onUpgrade = httpServer.listeners('upgrade') as UpgradeListener[];
  const handleHere = (req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const l of onRequest) l.call(httpServer, req, res);
  };
  const upgradeHere = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const l of onUpgrade) l.call(httpServer, req, socket, head);
  };
  /** The private port of the worker holding the request's session, when that is another worker. */
  const ownerPort = (req: http.IncomingMessage): number | undefined => {
    if (!req.url?.startsWith('/socket.io/')) return undefined;
    const owner = Number(SESSION_OF_WORKER.exec(req.url)?.[1]);
    return owner === workerId ? undefined : workers.get(owner);
  };

  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const port = ownerPort(req);
    if (port === undefined) {
      handleHere(req, res);
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent }, (answer) => {
      const back = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
    });
    // The owner is gone (it died or stops): answer here, which tells the client its session is unknown.
    upstream.on('error', () => (res.headersSent ? res.destroy() : handleHere(req, res)));
    req.pipe(upstream);
  });
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const port = ownerPort(req);
    if (port === undefined) {
      upgradeHere(req, socket, head);
      return;
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });

  // Forwarded requests are served here exactly as on the public port (they name this worker's sessions).
  const privateServer = http.createServer(handleHere);
  privateServer.on('upgrade', upgradeHere);
  privateServer.keepAliveTimeout = httpServer.keepAliveTimeout;
  await new Promise<void>((resolve, reject) => {
    privateServer.once('error', reject);
    // exclusive: this worker's own socket, not one shared by the cluster's workers.
    privateServer.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });

  return {
    port: (privateServer.address() as net.AddressInfo).port,
    setWorkers(ports) {
      workers = new Map(Object.entries(ports).map(([id, port]) => [Number(id), port]));
    },
    async close() {
      agent.destroy();
      privateServer.closeAllConnections();
      await new Promise<void>((resolve) => privateServer.close(() => resolve()));
    },
  };
}
