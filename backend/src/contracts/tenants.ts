/**
 * Gyms as customers of the platform: self-service signup, the owner's own settings, and what the
 * platform admin sees and changes (subscription and counts, never a gym's people).
 */
import { z, type ZodType } from 'zod';
import { authUserSchema } from './auth.js';
import { idParams, instantSchema } from './common.js';
import { gymNameSchema, passwordSchema, usernameSchema } from './forms.js';
import { PLANS, SUBSCRIPTION_STATUSES, tenantSettingsSchema } from './gym.js';
import { bookingRulesSchema } from './booking-rules.js';

/** Subdomains the platform keeps for itself. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'platform', 'www', 'api', 'app', 'admin', 'auth', 'static', 'assets', 'cdn', 'mail', 'status', 'docs', 'socket', 'ws',
]);

export const subdomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'field.subdomain_format')
  .refine((s) => !RESERVED_SUBDOMAINS.has(s), { error: 'field.subdomain_reserved' });

const settingsChange = tenantSettingsSchema.partial().extend({ booking_rules: bookingRulesSchema.partial().strict().optional() });

/** The signup bodies take the owner's password rule as a parameter: only the server checks how guessable it is. */
export function signupBodies(password: ZodType<string> = passwordSchema) {
  const signup = z.object({
    name: gymNameSchema,
    subdomain: subdomainSchema,
    owner: z.object({
      username: usernameSchema,
      password,
      email: z.email().max(254).optional(),
      full_name: z.string().trim().min(1).max(120).optional(),
    }),
    settings: settingsChange.optional(),
  });
  return { signup, platformCreate: signup.extend({ subscription_plan: z.enum(PLANS).optional() }) };
}
type Bodies = ReturnType<typeof signupBodies>;
export type SignupBody = z.infer<Bodies['signup']>;
export type PlatformCreateBody = z.infer<Bodies['platformCreate']>;

export const tenantPatchBody = z
  .object({ name: gymNameSchema.optional(), settings: settingsChange.optional() })
  .refine((b) => b.name !== undefined || b.settings !== undefined, { error: 'Nothing to change' });
export type TenantPatchBody = z.infer<typeof tenantPatchBody>;

export const platformPatchBody = z
  .object({
    subscription_status: z.enum(SUBSCRIPTION_STATUSES).optional(),
    subscription_plan: z.enum(PLANS).optional(),
    trial_ends_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { error: 'Nothing to change' }); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- the body's values may be absent
export type PlatformPatchBody = z.infer<typeof platformPatchBody>;

export const tenantIdParams = idParams;

export const platformListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  q: z.string().trim().min(1).max(100).optional().meta({ description: "Part of the gym's name or subdomain" }),
});
export type PlatformListQuery = z.infer<typeof platformListQuery>;

const limits = z
  .object({ areas: z.number().int().nullable(), members: z.number().int().nullable() })
  .meta({ description: "The plan's limits; null is unlimited" });

/** What every view of a tenant shows: who it is, its subscription and its plan's limits. */
const tenantBase = z.object({
  id: z.uuid(),
  name: z.string(),
  subdomain: z.string(),
  subscription_plan: z.enum(PLANS),
  subscription_status: z.enum(SUBSCRIPTION_STATUSES),
  trial_ends_at: instantSchema.nullable(),
  created_at: instantSchema,
  limits,
});

export const tenantSchema = tenantBase
  .extend({
    settings: tenantSettingsSchema,
    usage: z.object({ areas: z.number().int(), members: z.number().int() }).optional().meta({ description: 'Owners only' }),
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof tenantSchema>;

export const signupAnswerSchema = z.object({ tenant: tenantSchema, owner: authUserSchema });

export const signInOptionsSchema = z.object({
  demo_logins: z.boolean().meta({ description: 'The demo gyms and their published logins exist' }),
});

/** What the platform admin sees of a tenant: its subscription and counts, never its people. */
export const platformTenantSchema = tenantBase
  .extend({
    timezone: z.string(),
    counts: z.object({
      users: z.object({ owner: z.number().int(), trainer: z.number().int(), member: z.number().int() }),
      members: z.number().int(),
      areas: z.number().int(),
      bookings: z.number().int().meta({ description: 'Confirmed bookings' }),
      bookings_this_month: z.number().int().meta({ description: "Bookings dated in the gym's current month, cancellations left out" }),
      people_in: z.number().int().meta({ description: 'People checked in now' }),
    }),
  })
  .meta({ id: 'PlatformTenant' });
export type PlatformTenant = z.infer<typeof platformTenantSchema>;
export type SignInOptions = z.infer<typeof signInOptionsSchema>;
