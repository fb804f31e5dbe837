/**
 * Keyset paging for every list (the query side is `keysetPage` of the models' query builder, db/model.ts): `?limit=&cursor=`, the next page announced in a
 * `Link: <…>; rel="next"` header. Cursors are opaque (base64url of the last row's sort value and id),
 * so pages stay stable while rows are added, and a forged cursor is a 400, never a 500.
 */
import type { Context } from 'koa';
import { reply } from './envelope.js';
import { badRequest } from './errors.js';
import { isUuid } from '../contracts/common.js';

export { pageQuery, type PageQuery } from '../contracts/common.js';

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

export function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string'
      && parsed[0].length <= 256 && isUuid(parsed[1])) {
      return [parsed[0], parsed[1]];
    }
  } catch { /* answered below */ }
  throw badRequest('invalid_input', [{ path: ['cursor'], code: 'invalid_format', message: 'Invalid cursor' }]);
}

/** Answers a page: the items as `data`, the next page in the Link header. */
export function replyPage<T>(ctx: Context, page: Page<T>): void {
  setNextLink(ctx, page.next);
  reply(ctx, page.items);
}

/**
 * Sets `Link: <url>; rel="next"` when there is a next page: the same request with the new cursor. The
 * target is a path (a relative reference, RFC 8288), so a forged Host header cannot redirect clients.
 */
export function setNextLink(ctx: Context, next: string | null): void {
  if (!next) return;
  const url = new URL(ctx.originalUrl, 'http://link.invalid');
  url.searchParams.set('cursor', next);
  ctx.set('Link', `<${url.pathname}${url.search}>; rel="next"`);
}
