/**
 * What the product believes about a request's edge: who the client is, whether it came over HTTPS, and
 * whether its Origin is one of ours. One place for HTTP (Koa) and Socket.IO alike.
 *
 * Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) count only when the direct peer is one of
 * TRUSTED_PROXIES (proxy-addr walks X-Forwarded-For from the right and stops at the first address that
 * is not a trusted proxy): a client that reaches a node directly cannot pick the address the rate limits
 * count, and through nginx only nginx's own view of the client counts.
 */
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import proxyAddr from 'proxy-addr';
import type { Config } from '../config.js';

export interface Edge {
  /** The client's address as the rate limits and logs count it. */
  clientAddress(req: IncomingMessage): string;
  /** 'https' when the request reached us (or the trusted proxy) over TLS. */
  protocol(req: IncomingMessage): 'http' | 'https';
  /** A browser Origin the product serves: PUBLIC_URL, CORS_ORIGINS, or a tenant subdomain of BASE_DOMAIN. */
  originAllowed(origin: string): boolean;
}

// Keyed by the config rather than held in AppDeps: an edge is a pure function of an immutable config
// (never stale, one per config, gone with it), and the unit tests build edges from a config alone.
const edges = new WeakMap<object, Edge>();

/** The edge of a config (built once per config). */
export function edgeOf(config: Readonly<Config>): Edge {
  let edge = edges.get(config);
  if (!edge) {
    edge = createEdge(config);
    edges.set(config, edge);
  }
  return edge;
}

function createEdge(config: Readonly<Config>): Edge {
  const trust = proxyAddr.compile([...config.trustedProxies]);
  const peer = (req: IncomingMessage) => req.socket.remoteAddress ?? '';
  const viaTrustedProxy = (req: IncomingMessage) => {
    const address = peer(req);
    return address !== '' && trust(address, 0);
  };

  const publicUrl = new URL(config.publicUrl);
  const exact = new Set([publicUrl.origin, ...config.corsOrigins.map((o) => safeOrigin(o)).filter((o): o is string => !!o)]);
  // Tenant subdomains are served on the public scheme and port, one label deep: <tenant>.<BASE_DOMAIN>.
  const tenantSuffix = `.${config.baseDomain.toLowerCase()}`;
  const defaultPort = publicUrl.protocol === 'https:' ? '443' : '80';
  const publicPort = publicUrl.port || defaultPort;

  const judge = (origin: string): boolean => {
    const normal = safeOrigin(origin);
    if (!normal) return false;
    if (exact.has(normal)) return true;
    const url = new URL(normal);
    // Without a PUBLIC_URL the product is opened on this machine, by whatever loopback name and port
    // (localhost, 127.0.0.1, demo.localhost). A rebound DNS name can never carry a loopback Origin.
    if (config.publicUrlIsDefault && isLoopbackHost(url.hostname)) return true;
    if (url.protocol !== publicUrl.protocol || (url.port || defaultPort) !== publicPort) return false;
    if (!url.hostname.endsWith(tenantSuffix)) return false;
    const label = url.hostname.slice(0, -tenantSuffix.length);
    return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label);
  };
  const verdicts = new LRUCache<string, boolean>({ max: 1000 });

  return {
    clientAddress(req) {
      return proxyAddr(req, trust);
    },
    protocol(req) {
      if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return 'https';
      if (!viaTrustedProxy(req)) return 'http';
      const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
      return proto === 'https' ? 'https' : 'http';
    },
    originAllowed(origin) {
      // Browsers send the same few origins on every call: each is judged once (bounded, so a stream of
      // made-up origins only evicts).
      if (!origin) return false;
      let verdict = verdicts.get(origin);
      if (verdict === undefined) {
        verdict = judge(origin);
        verdicts.set(origin, verdict);
      }
      return verdict;
    },
  };
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** The origin of a URL-ish string, or null when it is not an http(s) origin. */
function safeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}
