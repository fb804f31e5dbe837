/**
 * Routes are declared once, as data: method, path, roles and zod schemas. The same declaration mounts
 * the handler (with role check and validation in front of it) and produces the OpenAPI 3.1 document,
 * so the documentation cannot drift from what is enforced.
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z, type ZodType } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { actingRole, requestState, type AuthContext, type Role } from './auth-context.js';
import { AppError, forbidden, unauthorized } from './errors.js';
import type { ApiScope } from '../contracts/api-scopes.js';
import { errorEnvelopeSchema, successEnvelopeSchema } from '../contracts/envelope-schema.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Input<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** Roles allowed; 'public' skips the role check. */
  roles: readonly Role[] | 'public';
  /**
   * The scope an API key needs to call this route. None: keys are refused (403 forbidden), which is
   * the default so that a new route is never open to integrators by accident. Keys are checked by
   * this alone, never by `roles`.
   */
  scope?: ApiScope;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** Schema of the success `data`, for the document and the tests that hold every answer to it. */
  response?: ZodType;
  /** The answer is this content type as it is, not the JSON envelope (pages and files). */
  produces?: string;
  /** Success status, for the document (the handler sets the real one). */
  status?: number;
  /** Accepts an Idempotency-Key header. */
  idempotent?: boolean;
  /**
   * Which roles may send each field of the body; required on update routes (PATCH, PUT), and must
   * name every field. A caller who sends a field their role may not set gets 403 naming the field,
   * before anything changes.
   */
  fields?: Readonly<Record<string, readonly Role[]>>;
  handler(ctx: Context, input: Input<B, Q, P>): Promise<void>;
}

/** The same roles for every field of an object schema. */
export function sameForEveryField(schema: ZodType, roles: readonly Role[]): Record<string, readonly Role[]> {
  return Object.fromEntries(bodyFields(schema).map((k) => [k, roles]));
}

/** The top-level fields of an object body schema (refinements keep the object's shape in zod 4). */
function bodyFields(schema: ZodType | undefined): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * Any route, whatever its input types: lists of routes hold routes of different inputs, and each handler
 * is only ever called with what its own schemas parsed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above; the one place input types are erased
export type AnyRoute = RouteSpec<any, any, any>;

/** Refuses a body field the caller's role may not set. */
function checkFields(spec: AnyRoute, auth: AuthContext | undefined, body: unknown): void {
  if (!spec.fields || !body || typeof body !== 'object') return;
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (!auth || !spec.fields[field]?.includes(actingRole(auth))) throw forbidden('forbidden', { field });
  }
}

/** An update route that does not say who may set each field is a bug found at boot, not in production. */
function assertFieldsDeclared(spec: AnyRoute): void {
  if (spec.method !== 'patch' && spec.method !== 'put') return;
  const missing = bodyFields(spec.body).filter((k) => !spec.fields?.[k]);
  if (!spec.fields || missing.length) {
    throw new Error(`${spec.method.toUpperCase()} ${spec.path} must declare the roles of every body field (missing: ${missing.join(', ') || 'fields'})`);
  }
}

/** What a route declares about itself, without its handler. */
export type RouteDeclaration = Pick<RouteSpec, 'method' | 'path' | 'roles' | 'scope' | 'summary' | 'response' | 'status' | 'produces'>;

/**
 * The one access rule of every non-public route: 401 when anonymous; an API key needs the route's
 * scope (403 insufficient_scope naming it, with the RFC 6750 header; 403 forbidden where no key may
 * go); everybody else needs one of the route's roles.
 */
function requireAccess(spec: AnyRoute & { roles: readonly Role[] }): Middleware {
  return async (ctx, next) => {
    const { auth } = requestState(ctx);
    if (!auth) throw unauthorized();
    if (auth.apiKey) {
      if (!spec.scope) throw forbidden();
      if (!auth.apiKey.scopes.includes(spec.scope)) {
        throw new AppError(403, 'insufficient_scope', {
          details: { scope: spec.scope },
          headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${spec.scope}"` },
        });
      }
    } else if (!spec.roles.includes(auth.role)) throw forbidden();
    await next();
  };
}

/** Who may call a route, in words, for the document. */
function accessText(spec: AnyRoute): string {
  if (spec.roles === 'public') return 'Public.';
  return `Roles: ${spec.roles.join(', ')}. API keys: ${spec.scope ? `scope \`${spec.scope}\`` : 'not accepted'}.`;
}

/** Declares a route with its input types inferred from the schemas. */
export function route<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

/** Fields some allowed roles may not set, for the document. */
function fieldRolesText(spec: AnyRoute): string {
  if (!spec.fields || spec.roles === 'public') return '';
  const routeRoles = spec.roles;
  const narrower = Object.entries(spec.fields).filter(([, roles]) => routeRoles.some((r) => !roles.includes(r)));
  return narrower.length ? ` Only some roles may set: ${narrower.map(([f, roles]) => `${f} (${roles.join(', ')})`).join('; ')}.` : '';
}

/** A request the server sends to integrators (OpenAPI 3.1 `webhooks`): its name, what it is and its JSON body. */
export interface OutgoingWebhook {
  name: string;
  summary: string;
  body: ZodType;
}

export class ApiRegistry {
  readonly router = new Router();
  private readonly specs: AnyRoute[] = [];
  private readonly outgoing: OutgoingWebhook[] = [];

  /** Declares the webhooks the server sends, for the document's `webhooks` section. */
  addWebhooks(...hooks: OutgoingWebhook[]): this {
    this.outgoing.push(...hooks);
    return this;
  }

  add(...specs: AnyRoute[]): this {
    for (const spec of specs) {
      assertFieldsDeclared(spec);
      this.specs.push(spec);
      const roles = spec.roles;
      const guards = roles === 'public' ? [] : [requireAccess({ ...spec, roles })];
      this.router[spec.method](spec.path, ...guards, async (ctx) => {
        const input: { body: unknown; query: unknown; params: unknown } = {
          // Async: some checks (a new password's strength) load their data on first use.
          body: spec.body ? await spec.body.parseAsync(ctx.request.body ?? {}) : undefined,
          query: spec.query ? await spec.query.parseAsync(ctx.query) : undefined,
          params: spec.params ? await spec.params.parseAsync(ctx.params) : undefined,
        };
        checkFields(spec, requestState(ctx).auth, input.body);
        await spec.handler(ctx, input);
      });
    }
    return this;
  }

  /** The declarations as data (method, path, schemas), for the document and for contract checks. */
  get routes(): ReadonlyArray<RouteDeclaration> {
    return this.specs;
  }

  openapi(serverUrl: string): ReturnType<typeof createDocument> {
    const paths: ZodOpenApiPathsObject = {};
    for (const spec of this.specs) {
      const path = spec.path.replace(/:(\w+)/g, '{$1}');
      const operation: ZodOpenApiOperationObject = {
        summary: spec.summary,
        tags: [spec.tag],
        operationId: `${spec.method}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        security: spec.roles === 'public' ? [] : [{ bearer: [] }, { session: [] }, ...(spec.scope ? [{ apiKey: [spec.scope] }] : [])],
        description: accessText(spec) + fieldRolesText(spec),
        requestParams: {
          ...(spec.query ? { query: spec.query as never } : {}),
          ...(spec.params ? { path: spec.params as never } : {}),
          ...(spec.idempotent
            ? { header: z.object({ 'idempotency-key': z.string().max(255).optional().meta({ description: 'Retries with the same key return the first answer.' }) }) }
            : {}),
        },
        ...(spec.body ? { requestBody: { content: { 'application/json': { schema: spec.body } } } } : {}),
        responses: {
          [String(spec.status ?? 200)]: {
            description: 'Success',
            content: spec.produces
              ? { [spec.produces]: { schema: spec.response ?? z.string() } }
              : { 'application/json': { schema: successEnvelopeSchema(spec.response ?? z.unknown()) } },
          },
          default: { description: 'Failure', content: { 'application/json': { schema: errorEnvelopeSchema } } },
        },
      };
      (paths[path] ??= {})[spec.method] = operation;
    }
    return createDocument({
      openapi: '3.1.0',
      info: { title: 'Gymflow API', version: '1.0.0', description: 'Multi-tenant gym platform. Every response is the envelope {success, message, data, timestamp}.' },
      servers: [{ url: serverUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          session: { type: 'apiKey', in: 'cookie', name: 'gym.sid' },
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'gf_live_…',
            description: "An integrator's API key, made by the gym's owner, as `Authorization: Bearer gf_live_…`. Each operation lists the one scope it needs; operations without apiKey refuse keys.",
          },
        },
      },
      paths,
      webhooks: Object.fromEntries(this.outgoing.map((hook) => [hook.name, {
        post: {
          summary: hook.summary,
          operationId: `webhook${hook.name.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
          description: 'Signed by the Standard Webhooks scheme: `webhook-id` (the same for every attempt of one event), `webhook-timestamp`, '
            + '`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, two while a rotated secret overlaps). Answer 2xx within 15 s; '
            + 'other answers are retried (Retry-After honoured on 429/503); 410 disables the endpoint.',
          requestParams: {
            header: z.object({
              'webhook-id': z.string().meta({ example: 'evt_5f0c..._42' }),
              'webhook-timestamp': z.string().meta({ description: 'Unix seconds of the attempt' }),
              'webhook-signature': z.string().meta({ example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }),
            }),
          },
          requestBody: { content: { 'application/json': { schema: hook.body } } },
          responses: { '200': { description: 'Received (any 2xx)' }, '410': { description: 'Gone: the endpoint is disabled' } },
        },
      }])),
    });
  }
}
