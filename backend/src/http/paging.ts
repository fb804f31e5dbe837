/**
 * Keyset paging for every list: `?limit=&cursor=`, the next page announced in a
 * `Link: <…>; rel="next"` header. Cursors are opaque (base64url of the last row's sort value and id),
 * so pages stay stable while rows are added, and a forged cursor is a 400, never a 500.
 */
import type { Context } from 'koa';
import { reply } from './envelope.js';
import type { Knex } from 'knex';
import { z } from 'zod';
import { badRequest } from './errors.js';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1-200, default 50).' }),
  cursor: z.string().max(512).optional().meta({ description: 'Opaque cursor from the previous page\'s Link header.' }),
});
export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface KeysetOrder {
  /** Qualified column to sort by; never null. */
  column: string;
  /** SQL type of the column, to compare the cursor value with it. */
  type: 'timestamptz' | 'text' | 'date' | 'integer';
  direction: 'asc' | 'desc';
  /** Unique tie-breaker (a uuid column); default `id`. */
  id?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string'
      && parsed[0].length <= 256 && UUID.test(parsed[1])) {
      return [parsed[0], parsed[1]];
    }
  } catch { /* answered below */ }
  throw badRequest('invalid_input', [{ path: ['cursor'], code: 'invalid_format', message: 'Invalid cursor' }]);
}

/**
 * Runs `query` (which must name its columns) one page at a time in `order`. The sort value travels as
 * text from SQL so timestamps keep their microseconds.
 */
export async function keysetPage<T extends Record<string, unknown>>(
  trx: Knex.Transaction,
  query: Knex.QueryBuilder,
  page: PageQuery,
  order: KeysetOrder,
): Promise<Page<T>> {
  const id = order.id ?? 'id';
  const q = query.clone();
  if (page.cursor) {
    const [value, lastId] = decodeCursor(page.cursor);
    const op = order.direction === 'desc' ? '<' : '>';
    q.whereRaw(`(??, ??) ${op} (?::${order.type}, ?::uuid)`, [order.column, id, value, lastId]);
  }
  const rows = (await q
    .select(trx.raw('??::text as __sort, ??::text as __id', [order.column, id]))
    .orderBy([{ column: order.column, order: order.direction }, { column: id, order: order.direction }])
    .limit(page.limit + 1)) as Array<T & { __sort: string; __id: string }>;
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const last = pageRows.at(-1);
  const items = pageRows.map(({ __sort: _s, __id: _i, ...rest }) => rest as unknown as T);
  return { items, next: more && last ? encodeCursor(last.__sort, last.__id) : null };
}

/**
 * Sets `Link: <url>; rel="next"` when there is a next page: the same request with the new cursor. The
 * target is a path (a relative reference, RFC 8288), so a forged Host header cannot redirect clients.
 */
/** Answers a page: the items as `data`, the next page in the Link header. */
export function replyPage<T>(ctx: Context, page: Page<T>): void {
  setNextLink(ctx, page.next);
  reply(ctx, page.items);
}

export function setNextLink(ctx: Context, next: string | null): void {
  if (!next) return;
  const url = new URL(ctx.originalUrl, 'http://link.invalid');
  url.searchParams.set('cursor', next);
  ctx.set('Link', `<${url.pathname}${url.search}>; rel="next"`);
}
