/**
 * One error type for everything the API refuses on purpose. `expose` errors reach the client with their
 * code and details; anything else is logged and answered as a bare 500.
 */
import type { ErrorCode } from '../contracts/envelope.js';
import type { MessageText } from './envelope.js';

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly expose: boolean;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers?: Record<string, string>;
  /** A more precise translated message than the code's own, e.g. the wait of a 429. */
  readonly text?: MessageText;

  constructor(
    status: number,
    code: ErrorCode,
    options: { details?: unknown; message?: string; headers?: Record<string, string>; text?: MessageText; cause?: unknown } = {},
  ) {
    super(options.message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.expose = status < 500 || status === 503;
    this.headers = options.headers;
    this.text = options.text;
  }
}

export const badRequest = (code: ErrorCode = 'invalid_input', details?: unknown) => new AppError(400, code, { details });
export const unauthorized = (code: ErrorCode = 'unauthorized') => new AppError(401, code);
export const forbidden = (code: ErrorCode = 'forbidden', details?: unknown) => new AppError(403, code, { details });
export const notFound = (details?: unknown) => new AppError(404, 'not_found', { details });
export const conflict = (code: ErrorCode = 'conflict', details?: unknown) => new AppError(409, code, { details });
export const unprocessable = (code: ErrorCode = 'unprocessable', details?: unknown) => new AppError(422, code, { details });
export const tooManyRequests = (retryAfterSeconds: number) => {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(429, 'rate_limited', { details: { retry_after: seconds }, headers: { 'Retry-After': String(seconds) }, text: { key: 'error.rate_limited_wait', params: { seconds } } });
};
export const serviceUnavailable = (details?: unknown) => new AppError(503, 'service_unavailable', { details });
