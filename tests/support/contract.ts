/**
 * Every answer a test receives is checked against what its route declares: the route is found by method
 * and path among the server's own declarations, the `data` of a 2xx answer must match the route's
 * response schema exactly (a field sent but not declared fails as much as a missing or mistyped one),
 * the status must be the declared one, and every failure must be the error envelope. So the schemas the
 * web app and the OpenAPI document rely on cannot drift from what the server really sends.
 */
import { z, type ZodType } from 'zod';
import { errorEnvelopeSchema, successEnvelopeSchema } from '../../backend/src/contracts/envelope-schema.js';
import { serverEventSchemas } from '../../backend/src/contracts/event-schemas.js';
import type { RouteDeclaration } from '../../backend/src/http/route.js';

interface Compiled {
  route: RouteDeclaration;
  pattern: RegExp;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(route: RouteDeclaration): Compiled {
  const source = route.path.split(/(:\w+)/).map((part) => (part.startsWith(':') ? '[^/]+' : escape(part))).join('');
  return { route, pattern: new RegExp(`^${source}/?$`) };
}

export class ContractCheck {
  private readonly routes: Compiled[];

  constructor(routes: ReadonlyArray<RouteDeclaration>) {
    this.routes = routes.map(compile);
  }

  /** The first declaration matching, as the router picks it. */
  find(method: string, path: string): RouteDeclaration | undefined {
    const m = method.toLowerCase();
    const pathname = path.split('?')[0]!;
    return this.routes.find((r) => r.route.method === m && r.pattern.test(pathname))?.route;
  }

  /** What is wrong with an answer; empty when it is what the route declares. */
  problems(method: string, path: string, status: number, body: unknown): string[] {
    if (status < 200 || status >= 300) return shapeProblems(errorEnvelopeSchema, body);
    const route = this.find(method, path);
    if (!route) return [`no route is declared for ${method.toUpperCase()} ${path.split('?')[0]}`];
    const out: string[] = [];
    const declared = route.status ?? 200;
    if (status !== declared) out.push(`answered ${status}, the route declares ${declared}`);
    if (!route.response) out.push(`${route.method.toUpperCase()} ${route.path} declares no response schema`);
    out.push(...shapeProblems(successEnvelopeSchema(route.response ?? z.unknown()), body));
    return out;
  }

  /** Throws with every problem of the answer, naming the request. */
  assert(method: string, path: string, status: number, body: unknown): void {
    const found = this.problems(method, path, status, body);
    if (found.length) {
      throw new Error(`${method.toUpperCase()} ${path} → ${status} breaks its contract:\n  ${found.join('\n  ')}\nanswer: ${JSON.stringify(body).slice(0, 2000)}`);
    }
  }
}

/** Schema issues, then the differences between what was sent and what the schema keeps of it. */
export function shapeProblems(schema: ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(answer)'}: ${i.message}`);
  const out: string[] = [];
  drift(value, parsed.data, '', out);
  return out;
}

/** What is wrong with a real-time event as received; empty when it is exactly what its type declares. */
export function eventProblems(type: string, event: unknown): string[] {
  const schema = (serverEventSchemas as Record<string, ZodType>)[type];
  return schema ? shapeProblems(schema, event) : [`${type} is not a declared event`];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * zod strips what an object schema does not declare and fills in defaults; comparing its output with
 * the answer finds both, at every depth, without making each schema strict by hand.
 */
function drift(sent: unknown, kept: unknown, path: string, out: string[]): void {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (Array.isArray(sent) && Array.isArray(kept)) {
    sent.forEach((item, i) => drift(item, kept[i], at(i), out));
    return;
  }
  if (isObject(sent) && isObject(kept)) {
    for (const key of Object.keys(sent)) {
      if (!(key in kept)) out.push(`${at(key)}: sent, but the schema does not declare it`);
      else drift(sent[key], kept[key], at(key), out);
    }
    for (const key of Object.keys(kept)) if (!(key in sent)) out.push(`${at(key)}: not sent, the schema fills it in`);
    return;
  }
  if (!Object.is(sent, kept)) out.push(`${path || '(answer)'}: sent ${JSON.stringify(sent)}, the schema turns it into ${JSON.stringify(kept)}`);
}

const checks = new Map<string, ContractCheck>();

/** Checks every answer of the server at this base URL against these declarations. */
export function checkAnswersOf(baseUrl: string, routes: ReadonlyArray<RouteDeclaration>): void {
  checks.set(new URL(baseUrl).origin, new ContractCheck(routes));
}

export function forgetServer(baseUrl: string): void {
  checks.delete(new URL(baseUrl).origin);
}

/** The check of the server a URL points at; undefined for servers this process did not start. */
export function contractOf(url: string): ContractCheck | undefined {
  return checks.get(new URL(url).origin);
}
