/**
 * The one way the server posts to an integrator's address. The host is resolved once, every address
 * checked (unless private destinations are allowed), and the connection made to the checked address
 * itself, so a DNS answer that changes between the check and the connect (rebinding) cannot lead
 * inside. No redirect is followed (a 3xx is a failed attempt), answers are cut after 64 KB, and the
 * whole exchange has one deadline.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Answers past this are cut (the receiver's body is only kept as a 1 KB excerpt anyway). */
const MAX_ANSWER_BYTES = 64 * 1024;
const EXCERPT_BYTES = 1024;

export interface PostResult {
  /** null: no answer (refused destination, connection error, timeout). */
  status: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
  /** Seconds the receiver asked to wait (Retry-After on 429 and 503). */
  retryAfterSeconds: number | null;
}

/** Whether an address is on the public internet (not loopback, private, link-local, metadata, ...). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export class RefusedDestination extends Error {}

/** The addresses of a host, refused when any is not public and private ones are not allowed. */
export async function resolveDestination(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const found = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await dns.promises.lookup(host, { all: true, verbatim: true });
  if (found.length === 0) throw new Error('no address');
  if (!allowPrivate && found.some((a) => !isPublicAddress(a.address))) {
    throw new RefusedDestination('destination refused: not a public address');
  }
  return found[0]!;
}

/** Retry-After as seconds (delta or HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string): PostResult => ({ status: null, latencyMs: elapsed(), excerpt: null, error: error.slice(0, 300), retryAfterSeconds: null });
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && !options.allowPrivate) return fail('destination refused: https is required');
  let destination: { address: string; family: number };
  try {
    destination = await resolveDestination(target.hostname, options.allowPrivate);
  } catch (err) {
    return fail(err instanceof RefusedDestination ? err.message : `could not resolve ${target.hostname}: ${(err as Error).message}`);
  }
  // The checked address, whatever the resolver would say now.
  const lookup: LookupFunction = (_host, opts, done) => {
    if ((opts as { all?: boolean }).all) (done as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [destination]);
    else done(null, destination.address, destination.family);
  };
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = (secure ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      lookup,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Gymflow-Webhooks/1' },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const answer = Buffer.concat(chunks);
        const status = res.statusCode ?? null;
        finish({
          status,
          latencyMs: elapsed(),
          excerpt: answer.length ? answer.subarray(0, EXCERPT_BYTES).toString('utf8').slice(0, EXCERPT_BYTES) : null,
          error: null,
          retryAfterSeconds: status === 429 || status === 503 ? retryAfterSeconds(res.headers['retry-after']) : null,
        });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_ANSWER_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ANSWER_BYTES) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    const deadline = setTimeout(() => {
      req.destroy();
      finish(fail(`timeout after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err) => finish(fail((err as NodeJS.ErrnoException).code ?? err.message)));
    req.end(body);
  });
}
