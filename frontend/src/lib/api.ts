/**
 * The one door to the HTTP API. Every page calls through here: the envelope is unwrapped, failures become
 * a typed ApiError carrying the stable code, the cookie session travels with each request and its CSRF
 * token goes along on unsafe methods. A display uses its device token as a Bearer credential instead.
 */
import type { Envelope, ErrorCode } from '$contracts/envelope.js';
import { ERROR_CODES } from '$contracts/envelope.js';
import { fieldMessages, type FieldIssue } from '$contracts/field-errors.js';
import type { Locale } from '$contracts/i18n.js';

export type ClientErrorCode = ErrorCode | 'network_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * Field-level problems, keyed by the dotted field path: the issues of a 400 invalid_input (already in
   * the caller's language), or the one field a conflict names (`details.field`, e.g. a taken username).
   */
  fieldErrors(): Record<string, string> {
    if (Array.isArray(this.details)) return fieldMessages(this.details as FieldIssue[]);
    const field = (this.details as { field?: unknown } | undefined)?.field;
    return typeof field === 'string' ? { [field]: this.message } : {};
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** Sends an Idempotency-Key so a retried create does not create twice. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CSRF_HEADER = 'X-CSRF-Token';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function nextLink(header: string | null): string | null {
  if (!header) return null;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  if (!match?.[1]) return null;
  const url = new URL(match[1], location.origin);
  return url.pathname + url.search;
}

export class ApiClient {
  private csrfToken: string | null = null;
  private bearer: string | null = null;
  /** The language errors come back in; kept in step with the UI by the i18n store. */
  locale: Locale = 'en';
  /** Called when the server says the session is gone, so the app can go to the login screen. */
  onUnauthorized: (() => void) | null = null;

  setCsrfToken(token: string | null | undefined): void {
    if (token) this.csrfToken = token;
  }

  /** A display device authenticates with its token instead of a session. */
  setBearer(token: string | null): void {
    this.bearer = token;
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** A list endpoint, following every `Link: rel="next"` page (admin lists are small). */
  async list<T>(path: string, options: Omit<RequestOptions, 'body'> = {}, maxPages = 20): Promise<T[]> {
    const all: T[] = [];
    let page: Page<T> | null = await this.page<T>(path, options);
    all.push(...page.items);
    for (let i = 1; page.next && i < maxPages; i++) {
      page = await this.page<T>(page.next, { signal: options.signal });
      all.push(...page.items);
    }
    return all;
  }

  async page<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<Page<T>> {
    // Every list answers its items as `data`, the next page in the Link header.
    const { data, response } = await this.send('GET', path, options);
    return { items: data as T[], next: nextLink(response.headers.get('link')) };
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send(method, path, options)).data as T;
  }

  /** The envelope's `data` comes back unknown: request() and page() give it the type the contract says `path` answers. */
  private async send(method: string, path: string, options: RequestOptions): Promise<{ data: unknown; response: Response }> {
    let url = path;
    if (options.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      const qs = params.toString();
      if (qs) url += (url.includes('?') ? '&' : '?') + qs;
    }
    const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': this.locale };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.bearer) headers.Authorization = `Bearer ${this.bearer}`;
    if (UNSAFE.has(method) && this.csrfToken && !this.bearer) headers[CSRF_HEADER] = this.csrfToken;
    if (options.idempotent) headers['Idempotency-Key'] = crypto.randomUUID();

    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'network_error', (err as Error).message);
    }
    this.setCsrfToken(response.headers.get(CSRF_HEADER));

    // Whatever JSON came back: an envelope from the API, perhaps something else from a proxy in between.
    let envelope: Partial<Envelope> | null = null;
    const text = await response.text();
    try {
      envelope = text ? (JSON.parse(text) as Partial<Envelope>) : null;
    } catch {
      envelope = null;
    }
    if (!response.ok || !envelope || envelope.success === false) {
      const data = (envelope?.data ?? {}) as { code?: unknown; details?: unknown };
      const code: ClientErrorCode = isErrorCode(data.code)
        ? data.code
        : response.status === 401
          ? 'unauthorized'
          : response.status === 403
            ? 'forbidden'
            : response.status === 404
              ? 'not_found'
              : response.status === 429
                ? 'rate_limited'
                : response.status >= 500
                  ? 'service_unavailable'
                  : 'invalid_input';
      if (response.status === 401 && !this.bearer && (code === 'unauthorized' || code === 'token_expired')) this.onUnauthorized?.();
      throw new ApiError(response.status, code, envelope?.message ?? response.statusText, data.details);
    }
    const data = envelope.data;
    if (typeof data === 'object' && data !== null && 'csrf_token' in data && typeof data.csrf_token === 'string') this.setCsrfToken(data.csrf_token);
    return { data, response };
  }
}

export const api = new ApiClient();
