/**
 * One webhook POST, safely: the destination's name is resolved once and every address checked (unless
 * private destinations are allowed: development and tests), the connection goes to the checked address,
 * redirects are not followed (node's http never does), the answer is read to 64 KB at most and the
 * whole exchange is bounded by the timeout.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import ipaddr from 'ipaddr.js';

const MAX_ANSWER_BYTES = 64 * 1024;
const EXCERPT_BYTES = 1024;

export interface PostResult {
  /** null: no answer (refused destination, connection error, timeout). */
  status: number | null;
  /** Seconds from Retry-After, when the receiver sent one. */
  retryAfter: number | null;
  excerpt: string | null;
  error: string | null;
  latencyMs: number;
}

/** Whether an address may be posted to from a production server: public unicast only. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The address checks of a name resolution, as node's `lookup` option takes it. */
function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true }, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      const first = usable[0];
      if (!first) {
        callback(Object.assign(new Error('destination_refused'), { code: 'EDESTINATION' }), '', 0);
        return;
      }
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [first]);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

function retryAfterOf(value: string | string[] | undefined): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

export function postWebhook(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivate: boolean }): Promise<PostResult> {
  const started = performance.now();
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const done = (r: Omit<PostResult, 'latencyMs'>): PostResult => ({ ...r, latencyMs: Math.round(performance.now() - started) });
  // A literal address needs no resolution, but the same check.
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && ipaddr.isValid(literal) && !isPublicAddress(literal)) {
    return Promise.resolve(done({ status: null, retryAfter: null, excerpt: null, error: 'destination_refused' }));
  }
  return new Promise((resolve) => {
    const req = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Gymflow-Webhooks/1' },
      lookup: guardedLookup(options.allowPrivate),
      signal: AbortSignal.timeout(options.timeoutMs),
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const answer = Buffer.concat(chunks);
        resolve(done({
          status: res.statusCode ?? null,
          retryAfter: retryAfterOf(res.headers['retry-after']),
          excerpt: answer.subarray(0, EXCERPT_BYTES).toString('utf8') || null,
          error: null,
        }));
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_ANSWER_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        // Cut off: the status is what counts, and nobody gets to make us read forever.
        if (size >= MAX_ANSWER_BYTES) {
          res.destroy();
          finish();
        }
      });
      res.once('end', finish);
      res.once('error', () => finish());
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      const error = err.message === 'destination_refused' ? 'destination_refused' : err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : (err.code ?? err.message).slice(0, 300);
      resolve(done({ status: null, retryAfter: null, excerpt: null, error }));
    });
    req.end(body);
  });
}
