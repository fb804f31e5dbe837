/**
 * A generator of hostile requests over every operation of the OpenAPI document: wrong types, huge
 * bodies, bad UTF-8, wrong content types, injection strings, broken paths, queries and headers. The
 * product must answer each one with a 4xx (or a 2xx when the request happens to be valid) and never
 * with a 5xx or a dropped connection. The same seed gives the same requests.
 */
import { fillPath, sample, type Operation } from './openapi.js';
import { rng } from './figures.js';
import type { RawRequest } from './raw-http.js';

export const INJECTIONS: readonly string[] = [
  "' OR '1'='1", "'; DROP TABLE users; --", '" OR ""="', '1; SELECT pg_sleep(0)', '\\', "\\'", '%', '_', '%00', '\u0000',
  'a\u0000b', '\u0000'.repeat(3), '${7*7}', '{{7*7}}', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd', '\r\nSet-Cookie: x=1', '\u202e', '\ud800', '\udfff', '\uffff', '🏋️‍♀️',
  'Ω'.repeat(200), 'x'.repeat(5000), '$where', '{"$gt": ""}', 'NaN', 'Infinity', '-0', '1e309', 'null', 'true', '[]', '{}',
  'ʼ OR 1=1', '\t\n\v\f\r ', ' ', '',
];

const WRONG_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', 'x', '1', [], [1, 2], {}, { $gt: '' },
  { __proto__: { admin: true } }, { constructor: { prototype: { admin: true } } }, 'not-a-uuid', '00000000-0000-0000-0000-000000000000',
  '2024-02-30', '25:61', '99:99', '-01:00', '1970-01-01', '9999-12-31', '0000-00-00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1',
  'application/json; charset=utf-16', 'application/jsonx', 'APPLICATION/JSON', 'application/json, text/plain', '', '*/*', 'application/merge-patch+json',
];

const BAD_UTF8: readonly Buffer[] = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"\xff\xfe"}
  Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), // overlong '/'
  Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x5f, 0x65, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // CESU surrogate
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
  Buffer.from([0x00, 0x7b, 0x00, 0x7d]),
  Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]), // UTF-16 BE
  Buffer.from('{"a":1', 'utf8'), Buffer.from('{"a":1}}', 'utf8'), Buffer.from('[', 'utf8'), Buffer.from('nul', 'utf8'),
  Buffer.from('{"a":"\\u00"}', 'utf8'), Buffer.from('{"a":"\\ud800"}', 'utf8'), Buffer.from('{"a":"\\u0000"}', 'utf8'), Buffer.from('1e999999', 'utf8'),
  Buffer.from('{"__proto__":{"role":"owner"}}', 'utf8'), Buffer.from('{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}', 'utf8'),
];

const BAD_SEGMENTS = ['%E0%A4%A', '%', '%zz', '%00', '%2e%2e%2f', '..', '%2F', 'a%20b', "'", '%27%20OR%201=1', 'x'.repeat(3000), '%C0%AF', '%ED%A0%80', '00000000-0000-0000-0000-00000000000G'];

const BAD_QUERIES = [
  'limit=-1', 'limit=0', 'limit=1e9', 'limit=abc', 'limit=1&limit=2', 'cursor=%E0%A4%A', 'cursor=' + 'A'.repeat(2000), 'cursor=eyJ4IjoxfQ',
  'date=2024-02-30', 'date=%00', 'from=9999-99-99', 'to=x', 'status=%27', 'open=maybe', 'order=sideways', 'lang=xx', 'lang[]=el', 'area_id[$ne]=1',
  'user_id=%00', 'a=' + 'b'.repeat(6000), '%=%', '&&&', '=', '__proto__[x]=1', 'constructor[prototype][x]=1',
];

const BAD_HEADERS: ReadonlyArray<Record<string, string>> = [
  { 'idempotency-key': ' ' }, { 'idempotency-key': 'x'.repeat(300) }, { 'idempotency-key': Buffer.from('κλειδί').toString('latin1') },
  { 'x-tenant-id': 'not-a-uuid' }, { 'x-tenant-id': "' OR 1=1" }, { 'x-tenant-id': '00000000-0000-0000-0000-000000000000' },
  { 'accept-language': 'xx;q=abc, el;q=2, *;q=-1' }, { 'accept-language': ','.repeat(500) }, { 'x-request-id': "'; DROP" },
  { cookie: 'gym.sid=%E0%A4%A; gym.sid.sig=' }, { cookie: 'gym.sid=abc; gym.sid.sig=forged' }, { cookie: '=;=;;==' },
  { 'x-csrf-token': '\u00ff' }, { 'x-tenant-id': Buffer.from('τενάντ').toString('latin1') }, { authorization: 'Bearer' }, { authorization: 'Basic YWRtaW46YWRtaW4=' }, { authorization: `Bearer ${'a'.repeat(5000)}` },
  { authorization: 'Bearer dt1.00000000-0000-0000-0000-000000000000.' + 'A'.repeat(43) }, { authorization: 'Bearer rt1.platform.x' },
  { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }, { host: 'evil.example' }, { host: 'demo.localhost' }, { host: '..localhost' },
  { 'x-forwarded-for': '1.2.3.4, <script>' }, { 'content-length': '0' }, { range: 'bytes=0-1' }, { 'if-none-match': '*' },
];

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export interface GeneratorContext {
  doc: any;
  ops: Operation[];
  /** A credential for request i (tokens, cookies), or none. */
  auth(i: number): Record<string, string>;
  /** A real id of the tenant for a path parameter, sometimes. */
  realId(template: string): string | undefined;
}

/** The i-th hostile request of the run with this seed. */
export function hostileRequest(g: GeneratorContext, seed: number, i: number): { kind: string; req: RawRequest } {
  const r = rng(seed ^ Math.imul(i + 1, 0x9e3779b1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const op = pick(g.ops);
  const path = fillPath(op.template, (p) => (p === 'file' ? 'index.html' : r() < 0.5 ? (g.realId(op.template) ?? crypto.randomUUID()) : crypto.randomUUID()));
  const headers: Record<string, string> = { ...g.auth(i) };
  if (op.idempotent && r() < 0.5) headers['idempotency-key'] = `k${Math.floor(r() * 1e9)}`;
  const valid = op.body ? (sample(g.doc, op.body, { uuid: () => undefined }) as Record<string, unknown>) : undefined;
  const kinds = ['wrong type', 'injection', 'huge body', 'bad utf-8', 'content type', 'bad path', 'bad query', 'bad header', 'method', 'extra fields'];
  const kind = pick(kinds);
  const base = { method: op.method, path, headers };
  const fields = valid && typeof valid === 'object' ? Object.keys(valid) : [];
  switch (kind) {
    case 'wrong type': {
      const body: Record<string, unknown> = { ...(valid ?? {}) };
      const field = fields.length ? pick(fields) : 'x';
      body[field] = pick(WRONG_VALUES);
      return { kind, req: { ...base, json: r() < 0.1 ? pick(WRONG_VALUES) : body } };
    }
    case 'injection': {
      const body: Record<string, unknown> = { ...(valid ?? {}) };
      for (const f of fields) if (r() < 0.6) body[f] = pick(INJECTIONS);
      const q = r() < 0.5 ? `?${pick(['date', 'cursor', 'status', 'area_id', 'lang', 'limit', 'user_id', 'from'])}=${enc(pick(INJECTIONS))}` : '';
      return { kind, req: { ...base, path: path + q, json: op.body ? body : undefined } };
    }
    case 'huge body': {
      const size = pick([101 * 1024, 200 * 1024, 1024 * 1024]);
      const body = r() < 0.5 ? JSON.stringify({ ...(valid ?? {}), pad: 'x'.repeat(size) }) : '[' + '1,'.repeat(size / 2) + '1]';
      return { kind, req: { ...base, method: op.method === 'GET' ? 'POST' : op.method, headers: { ...headers, 'content-type': 'application/json' }, body } };
    }
    case 'bad utf-8':
      return { kind, req: { ...base, headers: { ...headers, 'content-type': 'application/json' }, body: pick(BAD_UTF8) } };
    case 'content type': {
      const ct = pick(CONTENT_TYPES);
      const body = JSON.stringify(valid ?? { a: 1 });
      return { kind, req: { ...base, headers: { ...headers, ...(ct ? { 'content-type': ct } : {}) }, body: r() < 0.5 ? body : 'a=1&b=2' } };
    }
    case 'bad path': {
      const segments = path.split('/');
      segments[Math.max(1, Math.floor(r() * segments.length))] = pick(BAD_SEGMENTS);
      return { kind, req: { ...base, path: segments.join('/') } };
    }
    case 'bad query':
      return { kind, req: { ...base, path: `${path}?${pick(BAD_QUERIES)}`, ...(valid ? { json: valid } : {}) } };
    case 'bad header':
      return { kind, req: { ...base, headers: { ...headers, ...pick(BAD_HEADERS) }, ...(valid ? { json: valid } : {}) } };
    case 'method':
      return { kind, req: { ...base, method: pick(METHODS), ...(valid && r() < 0.5 ? { json: valid } : {}) } };
    default: {
      const body: Record<string, unknown> = { ...(valid ?? {}), [pick(['role', 'tenant_id', 'id', 'current_users', 'price', '__proto__', 'place', 'status'])]: pick(WRONG_VALUES) };
      return { kind, req: { ...base, json: body } };
    }
  }
}

export interface HostileFigures {
  requests: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  serverErrors: string[];
  /** Requests that got no HTTP answer at all (reset, timeout): a crash or a hang. */
  dropped: string[];
}

/** Sends `count` hostile requests, `concurrency` at a time. */
export async function runHostile(
  url: string | ((i: number) => string),
  g: GeneratorContext,
  options: { seed: number; count: number; concurrency: number; from?: number },
): Promise<HostileFigures> {
  const { raw, pool } = await import('./raw-http.js');
  const figures: HostileFigures = { requests: 0, byKind: {}, byStatus: {}, serverErrors: [], dropped: [] };
  const from = options.from ?? 0;
  await pool(options.concurrency, options.count, async (n) => {
    const i = from + n;
    const { kind, req } = hostileRequest(g, options.seed, i);
    figures.requests++;
    figures.byKind[kind] = (figures.byKind[kind] ?? 0) + 1;
    const target = typeof url === 'string' ? url : url(i);
    try {
      const a = await raw(target, { ...req, timeoutMs: 30_000 });
      const cls = `${String(a.status)[0]}xx`;
      figures.byStatus[cls] = (figures.byStatus[cls] ?? 0) + 1;
      if (a.status >= 500) figures.serverErrors.push(`#${i} ${kind} ${req.method} ${req.path.slice(0, 120)} → ${a.status} ${a.text.slice(0, 200)}`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Requests node itself refuses to send are not the server's fault.
      if (e.code === 'ERR_INVALID_CHAR' || e.code === 'ERR_INVALID_HTTP_TOKEN' || e.code === 'ERR_UNESCAPED_CHARACTERS') return;
      figures.dropped.push(`#${i} ${kind} ${req.method} ${req.path.slice(0, 120)}: ${e.code ?? ''} ${e.message}`);
    }
  });
  return figures;
}
