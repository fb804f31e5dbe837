/**
 * The routes of the product as its own OpenAPI document lists them, and valid sample bodies built from
 * their JSON schemas: the cross-tenant matrix and the malformed-input generator walk every operation
 * without a hand-kept list that could fall behind the code.
 */
import { randomBytes } from 'node:crypto';

export interface Operation {
  method: string;
  /** Path template with `{param}` placeholders. */
  template: string;
  params: string[];
  isPublic: boolean;
  roles: string[];
  idempotent: boolean;
  /** JSON schema of the body, refs resolved lazily through `doc`. */
  body: any | undefined;
  query: Array<{ name: string; schema: any }>;
}

export function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const parameters: any[] = op.parameters ?? [];
      const description: string = op.description ?? '';
      ops.push({
        method: method.toUpperCase(),
        template,
        params: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        isPublic: description.startsWith('Public'),
        roles: /Roles: ([^.]*)\./.exec(description)?.[1]?.split(', ') ?? [],
        idempotent: parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
        body: op.requestBody?.content?.['application/json']?.schema,
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      });
    }
  }
  return ops;
}

export function resolve(doc: any, schema: any): any {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 10; i++) {
    const path = String(s.$ref).replace(/^#\//, '').split('/');
    s = path.reduce((node: any, key) => node?.[key], doc);
  }
  return s;
}

export interface SampleContext {
  /** A value for a uuid-valued property of this name (or undefined for a fresh random uuid). */
  uuid(name: string): string | undefined;
  /** Overrides by property name (any type). */
  named?: Record<string, unknown>;
}

const uniq = () => randomBytes(4).toString('hex');

/** A value that satisfies `schema` (as far as the product's schemas need), using the context for ids. */
export function sample(doc: any, schema: any, ctx: SampleContext, name = '', depth = 0): unknown {
  const s = resolve(doc, schema);
  if (!s || depth > 8) return null;
  if (ctx.named && name in ctx.named) return ctx.named[name];
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const options = s.anyOf ?? s.oneOf;
  if (Array.isArray(options)) {
    const pick = options.find((o: any) => resolve(doc, o)?.type !== 'null') ?? options[0];
    return sample(doc, pick, ctx, name, depth + 1);
  }
  if (s.default !== undefined && s.type !== 'object') return s.default;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries<any>(s.properties ?? {})) out[key] = sample(doc, sub, ctx, key, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(s.minItems ?? 0, 1);
      return Array.from({ length: n }, () => sample(doc, s.items, ctx, name, depth + 1));
    }
    case 'integer':
    case 'number': {
      if (name === 'duration') return 60;
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
      return Math.max(min, Math.min(s.maximum ?? 10, 10));
    }
    case 'boolean':
      return true;
    case 'string':
      return sampleString(s, ctx, name);
    default:
      return null;
  }
}

function sampleString(s: any, ctx: SampleContext, name: string): string {
  if (s.format === 'uuid') return ctx.uuid(name) ?? crypto.randomUUID();
  if (s.format === 'email') return `r${uniq()}@example.com`;
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  if (s.format === 'date' || name === 'date' || name === 'from' || name === 'to') {
    return new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  }
  switch (name) {
    case 'time': return '10:00';
    case 'open': return '06:00';
    case 'close': return '22:00';
    case 'currency': return 'EUR';
    case 'timezone': return 'Europe/Athens';
    case 'locale': return 'en';
    case 'subdomain': return `r${uniq()}`;
    case 'username': return `r${uniq()}`;
    case 'password': return 'secret-password-1';
  }
  if (s.pattern === '^[A-Z]{3}$') return 'EUR';
  const min = Math.max(s.minLength ?? 1, 1);
  return `r${uniq()}`.padEnd(min, 'x').slice(0, Math.max(min, Math.min(s.maxLength ?? 9, 9)));
}

/** Fills a path template. */
export function fillPath(template: string, value: (param: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(value(p)));
}
