/** Integrators' API keys: the owner makes them with scopes; the secret is shown once (docs/http-api.md). */
import { z } from 'zod';
import { API_KEY_PREFIX, API_SCOPES, type ApiScope } from './api-scopes.js';
import { idParams, instantSchema } from './common.js';
import { apiKeyBody } from './forms.js';

export { API_KEY_PREFIX, API_SCOPES, apiKeyBody, type ApiScope };
export const apiKeyIdParams = idParams;
export type ApiKeyInput = z.infer<typeof apiKeyBody>;

/** Whether a key works now, and if not why: revoked, past its expiry, or its creator is no longer an active owner. */
export const API_KEY_STATES = ['active', 'expired', 'revoked', 'creator_inactive'] as const;
export type ApiKeyState = (typeof API_KEY_STATES)[number];

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart; never enough to use it' }),
    scopes: z.array(z.enum(API_SCOPES)),
    state: z.enum(API_KEY_STATES),
    created_by: z.uuid(),
    created_at: instantSchema,
    expires_at: instantSchema.nullable(),
    last_used_at: instantSchema.nullable().meta({ description: 'Recorded at most once a minute' }),
    last_used_address: z.string().nullable(),
    revoked_at: instantSchema.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof apiKeySchema>;

/** The answer of a creation: the only time the secret is shown. */
export const newApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: `The secret (${API_KEY_PREFIX}…); shown only in this answer, send it as a Bearer token` }) })
  .meta({ id: 'NewApiKey' });
export type NewApiKey = z.infer<typeof newApiKeySchema>;
