/**
 * What this browser last knew, so the installed app opens offline with it: who was signed in (the
 * answer of /auth/me without its CSRF token) and, through GymLive's persistKey, the gym's areas as last
 * seen. Signing out or a refused session forgets both. The service worker never caches the API: this is
 * the only copy, and the screens mark it as not live (the reconnecting badge) until the server answers.
 */
import type { Me, WebMe } from '$contracts/auth.js';

const SESSION_KEY = 'gymflow.last-session';

/** Where GymLive keeps the last gym status of a tenant. */
export const liveKey = (tenantId: string): string => `gymflow.last-status.${tenantId}`;

export function rememberSession(me: WebMe): void {
  const { csrf_token: _secret, ...kept } = me;
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify(kept));
  } catch {
    /* storage off: nothing to open offline */
  }
}

/** What rememberSession kept: the /auth/me answer without its CSRF token. */
export function recallSession(): Me | null {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Me | null;
  } catch {
    return null;
  }
}

export function forgetSession(): void {
  try {
    const tenantId = recallSession()?.user.tenant_id;
    if (tenantId) localStorage.removeItem(liveKey(tenantId));
    localStorage.removeItem(SESSION_KEY);
  } catch {
    /* nothing kept */
  }
}
