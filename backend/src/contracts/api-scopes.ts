/**
 * What an API key may be allowed (docs/http-api.md, "API keys"). Each route names the one scope a key
 * needs to call it (`scope` in http/route.ts); a route that names none refuses every key. No scope lets
 * a key manage keys: only the owner does that.
 */
export const API_SCOPES = ['bookings:read', 'bookings:write', 'occupancy:read', 'members:read', 'webhooks:manage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The visible start of every key, so that people, support and secret scanners recognise one. */
export const API_KEY_PREFIX = 'gf_live_';
