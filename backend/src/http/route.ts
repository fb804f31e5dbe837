/**
 * Routes are declared once, as data: method, path, roles and zod schemas. The same declaration mounts
 * the handler (with role check and validation in front of it) and produces the OpenAPI 3.1 document,
 * so the documentation cannot drift from what is enforced.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z, type ZodType } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { requireRole, type Role } from './auth-context.js';
import { ERROR_CODES } from '../contracts/envelope.js';

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
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** Schema of the success `data`, for the document. */
  response?: ZodType;
  /** Success status, for the document (the handler sets the real one). */
  status?: number;
  /** Accepts an Idempotency-Key header. */
  idempotent?: boolean;
  handler(ctx: Context, input: Input<B, Q, P>): Promise<void>;
}

/** Declares a route with its input types inferred from the schemas. */
export function route<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

const errorEnvelope = z
  .object({
    success: z.literal(false),
    message: z.string(),
    data: z.object({ code: z.enum(ERROR_CODES), details: z.unknown().optional() }),
    timestamp: z.string(),
  })
  .meta({ id: 'ErrorEnvelope' });

export class ApiRegistry {
  readonly router = new Router();
  private readonly specs: RouteSpec<any, any, any>[] = [];

  add(...specs: RouteSpec<any, any, any>[]): this {
    for (const spec of specs) {
      this.specs.push(spec);
      const guards = spec.roles === 'public' ? [] : [requireRole(spec.roles)];
      this.router[spec.method](spec.path, ...guards, async (ctx) => {
        const input = {
          body: spec.body ? spec.body.parse(ctx.request.body ?? {}) : undefined,
          query: spec.query ? spec.query.parse(ctx.query) : undefined,
          params: spec.params ? spec.params.parse(ctx.params) : undefined,
        };
        await spec.handler(ctx, input);
      });
    }
    return this;
  }

  get routes(): ReadonlyArray<Pick<RouteSpec, 'method' | 'path' | 'roles' | 'summary'>> {
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
        security: spec.roles === 'public' ? [] : [{ bearer: [] }, { session: [] }],
        description: spec.roles === 'public' ? 'Public.' : `Roles: ${spec.roles.join(', ')}.`,
        requestParams: {
          ...(spec.query ? { query: spec.query as never } : {}),
          ...(spec.params ? { path: spec.params as never } : {}),
          ...(spec.idempotent
            ? { header: z.object({ 'idempotency-key': z.string().max(255).optional().meta({ description: 'Retries with the same key return the first answer.' }) }) as never }
            : {}),
        },
        ...(spec.body ? { requestBody: { content: { 'application/json': { schema: spec.body } } } } : {}),
        responses: {
          [String(spec.status ?? 200)]: {
            description: 'Success',
            content: {
              'application/json': {
                schema: z.object({
                  success: z.literal(true),
                  message: z.string(),
                  data: spec.response ?? z.unknown(),
                  timestamp: z.string(),
                }),
              },
            },
          },
          default: { description: 'Failure', content: { 'application/json': { schema: errorEnvelope } } },
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
        },
      },
      paths,
    });
  }
}
