import { DateTime } from 'luxon';
import { z } from 'zod';
import { newPassword } from '../auth/password-strength.js';
import { PLANS } from './plan-limits.js';
import { RESERVED_SUBDOMAINS } from './tenant-directory.js';

const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const CLOSING_CLOCK = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const STATUSES = ['trialing', 'active', 'past_due', 'canceled', 'suspended'] as const;

const dayHours = z
  .object({ open: z.string().regex(CLOCK, 'HH:MM'), close: z.string().regex(CLOSING_CLOCK, 'HH:MM or 24:00') })
  .refine((d) => d.open < d.close, { message: 'close must be after open', path: ['close'] })
  .nullable();

/** Per weekday; a missing or null day is closed. */
export const openingHoursSchema = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<typeof dayHours>>).strict();

export const timezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => DateTime.now().setZone(tz).isValid, { message: 'Unknown IANA time zone' });

export const settingsSchema = z
  .object({
    locale: z.enum(['en', 'el']),
    timezone: timezoneSchema,
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR'),
    opening_hours: openingHoursSchema,
  })
  .strict();

export const subdomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes; 1-63 characters')
  .refine((s) => !RESERVED_SUBDOMAINS.has(s), { message: 'This subdomain is reserved' });

export const signupBody = z.object({
  name: z.string().trim().min(1).max(120),
  subdomain: subdomainSchema,
  owner: z.object({
    username: z.string().trim().regex(/^[A-Za-z0-9._@-]{2,64}$/, '2-64 letters, digits or . _ @ -'),
    password: newPassword,
    email: z.email().max(254).optional(),
    full_name: z.string().trim().min(1).max(120).optional(),
  }),
  settings: settingsSchema.partial().optional(),
});

export const tenantPatchBody = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    settings: settingsSchema.partial().optional(),
  })
  .refine((b) => b.name !== undefined || b.settings !== undefined, { message: 'Nothing to change' });

export const platformPatchBody = z
  .object({
    subscription_status: z.enum(STATUSES).optional(),
    subscription_plan: z.enum(PLANS).optional(),
    trial_ends_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Nothing to change' });

export const tenantIdParams = z.object({ id: z.uuid() });

export const platformListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
  status: z.enum(STATUSES).optional(),
});

const limits = z.object({ areas: z.number().int().nullable(), members: z.number().int().nullable() });

/** What every view of a tenant shows: who it is, its subscription and its plan's limits. */
const tenantBase = z.object({
  id: z.uuid(),
  name: z.string(),
  subdomain: z.string(),
  subscription_plan: z.enum(PLANS),
  subscription_status: z.enum(STATUSES),
  trial_ends_at: z.string().nullable(),
  created_at: z.string(),
  limits,
});

export const tenantView = tenantBase
  .extend({
    settings: z.record(z.string(), z.unknown()),
    usage: z.object({ areas: z.number().int(), members: z.number().int() }).optional(),
  })
  .meta({ id: 'Tenant' });

/** What the platform admin sees of a tenant: its subscription and counts, never its people. */
export const platformTenantView = tenantBase
  .extend({
    counts: z.object({
      users: z.object({ owner: z.number().int(), trainer: z.number().int(), member: z.number().int() }),
      areas: z.number().int(),
      bookings: z.number().int(),
    }),
  })
  .meta({ id: 'PlatformTenant' });

export type SignupBody = z.infer<typeof signupBody>;
export type TenantPatchBody = z.infer<typeof tenantPatchBody>;
export type PlatformPatchBody = z.infer<typeof platformPatchBody>;
