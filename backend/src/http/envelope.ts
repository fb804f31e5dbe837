import type { Context } from 'koa';
import type { Envelope, ErrorCode } from '../contracts/envelope.js';
import { translate, type MessageKey } from '../contracts/i18n.js';
import { requestState } from './auth-context.js';

/** Answers with the success envelope. */
export function reply(ctx: Context, data: unknown, options: { status?: number; message?: MessageKey } = {}): void {
  ctx.status = options.status ?? 200;
  const body: Envelope = {
    success: true,
    message: translate(requestState(ctx).locale ?? 'en', options.message ?? (ctx.status === 201 ? 'ok.created' : 'ok.default')),
    data,
    timestamp: new Date().toISOString(),
  };
  ctx.body = body;
}

/** A message key with the values of its placeholders. */
export interface MessageText {
  key: MessageKey;
  params?: Record<string, string | number>;
}

/** The failure envelope; the message is in the caller's language. */
export function failure(ctx: Context, status: number, code: ErrorCode, details?: unknown, text?: MessageText): void {
  ctx.status = status;
  const body: Envelope<{ code: ErrorCode; details?: unknown }> = {
    success: false,
    message: translate(requestState(ctx).locale ?? 'en', text?.key ?? `error.${code}`, text?.params),
    data: details === undefined ? { code } : { code, details },
    timestamp: new Date().toISOString(),
  };
  ctx.body = body;
}
