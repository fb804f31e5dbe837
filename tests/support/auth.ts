/** Signing in from tests, through the real API. */
import { api } from './test-server.js';
import { contractOf } from './contract.js';

export interface LoginResult {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: { id: string; username: string; role: string; tenant_id: string | null; locale: 'en' | 'el'; full_name: string | null };
}

/**
 * POST /api/auth/login with the tenant's subdomain in the body (null or 'platform' for the platform
 * admin); throws with the whole answer unless it is 200.
 */
export async function login(baseUrl: string, tenant: string | null, username: string, password: string): Promise<LoginResult> {
  const body: Record<string, string> = { username, password };
  if (tenant) body.tenant = tenant;
  const res = await api<LoginResult>(baseUrl, 'POST', '/api/auth/login', { body });
  if (res.status !== 200) throw new Error(`login ${tenant ?? 'platform'}/${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** A cookie-session client for the web routes: keeps the cookies, sends the CSRF token, checks every JSON answer's contract. */
export class WebClient {
  private cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if ((options.csrf ?? true) && this.csrf) headers['x-csrf-token'] = this.csrf;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (/json/.test(res.headers.get('content-type') ?? '')) contractOf(this.baseUrl)?.assert(method, path, res.status, body);
    return { status: res.status, headers: res.headers, body };
  }

  /** POST /auth/login; keeps the CSRF token the answer carries. */
  async login(tenant: string | null, username: string, password: string) {
    const body: Record<string, string> = { username, password };
    if (tenant) body.tenant = tenant;
    const res = await this.request('POST', '/auth/login', { body });
    if (res.status !== 200) throw new Error(`web login ${tenant}/${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.csrf = res.body.data.csrf_token;
    return res;
  }
}
