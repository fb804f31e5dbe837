/**
 * The check every API test's answers go through (tests/support/contract.ts) fails on drift: routes whose
 * handlers send what their declarations do not say are caught, and an answer that keeps to its
 * declaration passes. Without this a check that accepts everything would pass unseen.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../backend/src/http/envelope.js';
import { errorHandler } from '../../backend/src/http/error-handler.js';
import { conflict } from '../../backend/src/http/errors.js';
import { negotiateLocale } from '../../backend/src/http/middleware.js';
import { ApiRegistry, route } from '../../backend/src/http/route.js';
import { checkAnswersOf, forgetServer } from '../support/contract.js';
import { api } from '../support/test-server.js';

const ID = '0b6f1c2e-8a4d-4f6e-9c1a-2d3e4f5a6b7c';
const thing = z.object({ id: z.uuid(), count: z.number().int(), note: z.string().nullable() });
const fake = (path: string, data: unknown, extra: Partial<Parameters<typeof route>[0]> = {}) =>
  route({ method: 'get', path, summary: path, tag: 'test', roles: 'public', response: thing, handler: async (ctx) => reply(ctx, data), ...extra });

describe('the contract check of API answers', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    const registry = new ApiRegistry().add(
      fake('/t/right', { id: ID, count: 1, note: null }),
      fake('/t/extra', { id: ID, count: 1, note: null, password_hash: 'x' }),
      fake('/t/wrong-type', { id: ID, count: '1', note: null }),
      fake('/t/missing', { id: ID, count: 1 }),
      fake('/t/deep', [{ id: ID, count: 1, note: 'a' }, { id: ID, count: 2, note: 'b', user: { id: ID } }], { response: z.array(thing) }),
      fake('/t/things/:id', { id: ID, count: 1, note: null }),
      fake('/t/status', { id: ID, count: 1, note: null }, { method: 'post', status: 201 }),
      fake('/t/undeclared', null, { response: undefined }),
      fake('/t/defaulted', { id: ID, count: 1 }, { response: thing.extend({ note: z.string().nullable().default(null) }) }),
      fake('/t/refused', null, { handler: async () => { throw conflict('slot_unavailable'); } }),
      fake('/t/bare-error', null, { handler: async (ctx) => { ctx.status = 409; ctx.body = { success: false, error: 'taken' }; } }),
      fake('/t/leaky-error', null, {
        handler: async (ctx) => {
          ctx.status = 500;
          ctx.body = { success: false, message: 'x', data: { code: 'internal_error', stack: 'at db.js:1' }, timestamp: new Date().toISOString() };
        },
      }),
    );
    registry.router.get('/t/hidden', (ctx) => reply(ctx, { id: ID }));
    const app = new Koa();
    app.use(errorHandler({ error: () => {} }));
    app.use(negotiateLocale());
    app.use(bodyParser());
    app.use(registry.router.routes());
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    checkAnswersOf(url, registry.routes);
  });
  afterAll(async () => {
    forgetServer(url);
    await new Promise((resolve) => server?.close(resolve));
  });

  it('passes an answer that is exactly what its route declares, and a refusal in the error envelope', async () => {
    expect((await api(url, 'GET', '/t/right')).body.data).toEqual({ id: ID, count: 1, note: null });
    expect((await api(url, 'GET', `/t/things/${ID}?x=1`)).status).toBe(200);
    expect((await api(url, 'GET', '/t/refused')).body.data).toEqual({ code: 'slot_unavailable' });
  });

  it('fails on a field the handler sends but the schema does not declare', async () => {
    await expect(api(url, 'GET', '/t/extra')).rejects.toThrow(/data\.password_hash: sent, but the schema does not declare it/);
  });

  it('fails on such a field deep inside a list', async () => {
    await expect(api(url, 'GET', '/t/deep')).rejects.toThrow(/data\.1\.user: sent, but the schema does not declare it/);
  });

  it('fails on a wrong type and on a missing field', async () => {
    await expect(api(url, 'GET', '/t/wrong-type')).rejects.toThrow(/data\.count: .*expected number/i);
    await expect(api(url, 'GET', '/t/missing')).rejects.toThrow(/data\.note: /);
  });

  it('fails when only a default of the schema makes the answer complete', async () => {
    await expect(api(url, 'GET', '/t/defaulted')).rejects.toThrow(/data\.note: not sent, the schema fills it in/);
  });

  it('fails on a status other than the declared one', async () => {
    await expect(api(url, 'POST', '/t/status')).rejects.toThrow(/answered 200, the route declares 201/);
  });

  it('reports a route without a response schema, and an answer of no declared route', async () => {
    await expect(api(url, 'GET', '/t/undeclared')).rejects.toThrow(/GET \/t\/undeclared declares no response schema/);
    await expect(api(url, 'GET', '/t/hidden')).rejects.toThrow(/no route is declared for GET \/t\/hidden/);
  });

  it('fails on a refusal outside the error envelope, or with more in it', async () => {
    await expect(api(url, 'GET', '/t/bare-error')).rejects.toThrow(/data: Invalid input: expected object/);
    await expect(api(url, 'GET', '/t/leaky-error')).rejects.toThrow(/data\.stack: sent, but the schema does not declare it/);
  });
});
