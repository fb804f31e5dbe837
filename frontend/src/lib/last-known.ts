/**
 * What this browser last knew, so the installed app opens offline with it: who was signed in (the
 * answer of /auth/me without its CSRF token) and, through GymLive's persistKey, the gym's areas as last
 * seen. Signing out or a refused session forgets both. The service worker never caches the API: this is
 * the only copy, and the screens mark it as not live (the reconnecting badge) until the server answers.
 */
const SESSION_KEY = 'gymflow.last-session';

/** Where GymLive keeps the last gym status of a tenant. */
export const liveKey = (tenantId: string): string => `gymflow.last-status.${tenantId}`;

export function rememberSession<T extends { csrf_token?: string | null; user?: { tenant_id?: string | null } }>(me: T): void {
  const { csrf_token: _secret, ...kept } = me;
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify(kept));
  } catch {
    /* storage off: nothing to open offline */
  }
}

export function recallSession<T>(): T | null {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

export function forgetSession(): void {
  try {
    const me = recallSession<{ user?: { tenant_id?: string | null } }>();
    if (me?.user?.tenant_id) localStorage.removeItem(liveKey(me.user.tenant_id));
    localStorage.removeItem(SESSION_KEY);
  } catch {
    /* nothing kept */
  }
}
