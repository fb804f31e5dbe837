/**
 * Who is signed in, through the web session cookie (`/auth/login`, `/auth/me`, `/auth/logout`). The
 * CSRF token the server hands out is kept by the API client for every state-changing request.
 */
import { api, ApiError } from './api.js';
import { i18n } from './i18n.svelte.js';
import { forgetSession, recallSession, rememberSession } from './last-known.js';
import type { AuthUser, Me, Role, WebMe } from '$contracts/auth.js';

const TENANT_KEY = 'gymflow.tenant';

/** The tenant named by the host (demo.localhost, demo.gym.example), if any. */
export function tenantFromHost(hostname = location.hostname): string | null {
  const parts = hostname.split('.');
  if (parts.length < 2 || /^\d+$/.test(parts[parts.length - 1] ?? '')) return null;
  const first = parts[0]!;
  if (first === 'www' || first === 'localhost') return null;
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(first) ? first : null;
}

class Session {
  user = $state<AuthUser | null>(null);
  tenantName = $state<string | null>(null);
  tenantSlug = $state<string | null>(null);
  /** The gym's IANA time zone: dates and clock times in the API are local to it. */
  timezone = $state<string | null>(null);
  currency = $state('EUR');
  loaded = $state(false);
  /** Signed in from what this browser last knew, the server out of reach (last-known.ts). */
  offline = $state(false);

  get role(): Role | null {
    return this.user?.role ?? null;
  }
  get isStaff(): boolean {
    return this.role === 'owner' || this.role === 'trainer';
  }
  get isOwner(): boolean {
    return this.role === 'owner';
  }
  get isPlatform(): boolean {
    return this.role === 'platform_admin';
  }
  /** Where signing in leads. */
  get home(): string {
    return this.isPlatform ? '/platform' : this.isStaff ? '/admin' : '/';
  }

  rememberedTenant(): string {
    try {
      return localStorage.getItem(TENANT_KEY) ?? '';
    } catch {
      return '';
    }
  }

  private adopt(me: Me): void {
    this.user = me.user;
    this.tenantName = me.tenant?.name ?? this.tenantName;
    this.tenantSlug = me.tenant?.subdomain ?? this.tenantSlug;
    this.timezone = me.tenant?.settings.timezone ?? this.timezone;
    i18n.timeZone = this.timezone ?? undefined;
    this.currency = me.tenant?.settings.currency ?? this.currency;
    i18n.adopt(me.user.locale);
  }

  /** Asks the server who this browser is; a 401 just means nobody; unreachable, the last known answer. */
  async load(): Promise<void> {
    // The sign-in page of a browser that knows of no session: nobody to ask about (and no 401 to log).
    if (!this.loaded && location.pathname === '/login' && !recallSession()) {
      this.loaded = true;
      return;
    }
    try {
      const me = await api.get<WebMe>('/auth/me');
      this.adopt(me);
      rememberSession(me);
      this.offline = false;
    } catch (err) {
      const remembered = err instanceof ApiError && err.code === 'network_error' ? recallSession() : null;
      if (remembered) {
        this.adopt(remembered);
        this.offline = true;
        return;
      }
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 404)) throw err;
      this.user = null;
      forgetSession();
    } finally {
      this.loaded = true;
    }
  }

  async login(input: { username: string; password: string; tenant: string }): Promise<void> {
    const answer = await api.post<WebMe>('/auth/login', input);
    this.tenantSlug = input.tenant;
    try {
      localStorage.setItem(TENANT_KEY, input.tenant);
    } catch {
      /* not remembered */
    }
    // The answer is what /auth/me would say, with the CSRF token the API client keeps from it.
    this.adopt(answer);
    rememberSession(answer);
    this.offline = false;
    this.loaded = true;
  }

  async logout(): Promise<void> {
    try {
      await api.post('/auth/logout');
    } finally {
      this.user = null;
      forgetSession();
    }
  }

  /** The session ended on the server (expired, revoked). */
  forget(): void {
    this.user = null;
    forgetSession();
  }
}

export const session = new Session();
