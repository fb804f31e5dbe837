/** Signing in with tokens (apps, integrations) or the web session cookie, and who the caller is. */
import { z } from 'zod';
import { loginFields } from './forms.js';
import { localeSchema } from './common.js';
import { PLANS, SUBSCRIPTION_STATUSES, tenantSettingsSchema } from './gym.js';

/** Who may call: people (member, trainer, owner), wall screens (display), the platform admin, and integrators' API keys (no person). */
export const ROLES = ['member', 'trainer', 'owner', 'display', 'platform_admin', 'api_key'] as const;
export type Role = (typeof ROLES)[number];

export const loginBody = z.object({
  ...loginFields,
  // The gym's subdomain, or `platform` for the platform admin; else X-Tenant-ID or the Host decide.
  // An empty field (a login form left blank) counts as absent.
  tenant: z
    .string()
    .trim()
    .max(63)
    .optional()
    .transform((v) => v || undefined),
});

export const refreshBody = z.object({ refresh_token: z.string().min(1).max(4096) });
export const logoutBody = z.object({ refresh_token: z.string().min(1).max(4096).optional() });

/** A person as every sign-in answer shows them. */
export const authUserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role: z.enum(ROLES),
    tenant_id: z.uuid().nullable().meta({ description: 'null for the platform admin' }),
    locale: localeSchema,
    full_name: z.string().nullable(),
  })
  .meta({ id: 'AuthUser' });
export type AuthUser = z.infer<typeof authUserSchema>;

export const tokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: "Seconds until the access token expires" }),
    user: authUserSchema,
  })
  .meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof tokenPairSchema>;

/** The caller's own gym, as the sign-in answers show it. */
export const tenantSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    subdomain: z.string(),
    settings: tenantSettingsSchema,
    subscription_plan: z.enum(PLANS),
    subscription_status: z.enum(SUBSCRIPTION_STATUSES),
  })
  .meta({ id: 'TenantSummary' });
export type TenantSummary = z.infer<typeof tenantSummarySchema>;

export const meSchema = z.object({
  user: authUserSchema,
  tenant: tenantSummarySchema.nullable().meta({ description: 'null for the platform admin' }),
});
export type Me = z.infer<typeof meSchema>;

/** The web session's answer: who is signed in, with the token state-changing requests carry as X-CSRF-Token. */
export const webMeSchema = meSchema.extend({ csrf_token: z.string().nullable().meta({ description: 'null for Bearer callers' }) }).meta({ id: 'WebSession' });
export type WebMe = z.infer<typeof webMeSchema>;

export const csrfSchema = z.object({ csrf_token: z.string().nullable() });
