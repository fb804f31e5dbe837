import { z } from 'zod';
import { loginFields } from '../../contracts/forms.js';
import { ROLES } from '../../http/auth-context.js';

export const loginBody = z.object({
  ...loginFields,
  /** The tenant's subdomain, or `platform` for the platform admin; else X-Tenant-ID or the Host decide. */
  /** An empty field (a login form left blank) counts as absent. */
  tenant: z
    .string()
    .trim()
    .max(63)
    .optional()
    .transform((v) => v || undefined),
});

export const refreshBody = z.object({ refresh_token: z.string().min(1).max(4096) });
export const logoutBody = z.object({ refresh_token: z.string().min(1).max(4096).optional() });

export const publicUserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role: z.enum(ROLES),
    tenant_id: z.uuid().nullable(),
    locale: z.enum(['en', 'el']),
    full_name: z.string().nullable(),
  })
  .meta({ id: 'AuthUser' });

export const tokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    user: publicUserSchema,
  })
  .meta({ id: 'TokenPair' });

export const tenantSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  subdomain: z.string(),
  settings: z.record(z.string(), z.unknown()),
  subscription_plan: z.string(),
  subscription_status: z.string(),
});

export const meSchema = z.object({
  user: publicUserSchema,
  tenant: tenantSummarySchema.nullable(),
});
