import { DateTime } from 'luxon';
import { z } from 'zod';
import { gymNameSchema, passwordSchema, usernameSchema } from '../../contracts/forms.js';
import { PLANS } from './plan-limits.js';
import { RESERVED_SUBDOMAINS } from './tenant-directory.js';

const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const CLOSING_CLOCK = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const STATUSES = ['trialing', 'active', 'past_due', 'canceled', 'suspended'] as const;

const dayHours = z
  .object({ open: z.string().regex(CLOCK, 'HH:MM'), close: z.string().regex(CLOSING_CLOCK, 'HH:MM or 24:00') })
  .refine((d) => d.open < d.close, { message: 'field.close_after_open', path: ['close'] })
  .nullable();

/** Per weekday; a missing or null day is closed. */
export const openingHoursSchema = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<typeof dayHours>>).strict();

export const timezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => DateTime.now().setZone(tz).isValid, { message: 'field.timezone' });

export const settingsSchema = z
  .object({
    locale: z.enum(['en', 'el']),
    timezone: timezoneSchema,
    currency: z.string().regex(/^[A-Z]{3}$/, 'field.currency'),
    opening_hours: openingHoursSchema,
  })
  .strict();

export const subdomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'field.subdomain_format')
  .refine((s) => !RESERVED_SUBDOMAINS.has(s), { message: 'field.subdomain_reserved' });

export const signupBody = z.object({
  name: gymNameSchema,
  subdomain: subdomainSchema,
  owner: z.object({
    username: usernameSchema,
    password: passwordSchema,
    email: z.email().max(254).optional(),
    full_name: z.string().trim().min(1).max(120).optional(),
  }),
  settings: settingsSchema.partial().optional(),
});

export const tenantPatchBody = z
  .object({
    name: gymNameSchema.optional(),
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

export const platformCreateBody = signupBody.extend({ subscription_plan: z.enum(PLANS).optional() });

export const tenantIdParams = z.object({ id: z.uuid() });

export const platformListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
  status: z.enum(STATUSES).optional(),
  q: z.string().trim().min(1).max(100).optional().meta({ description: 'Part of the gym\'s name or subdomain' }),
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

export type SignupBody = z.infer<typeof signupBody>;
export type TenantPatchBody = z.infer<typeof tenantPatchBody>;
export type PlatformPatchBody = z.infer<typeof platformPatchBody>;
export type PlatformCreateBody = z.infer<typeof platformCreateBody>;
