/**
 * The fields of every form, as zod schemas shared by the server (which validates requests with them)
 * and the web app (which validates the same way before sending). Messages of our own refinements are
 * i18n keys (`field.*`), turned into the caller's language by `fieldIssue` (contracts/field-errors.ts).
 */
import { z } from 'zod';

import { isCentsAmount } from './money.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from './passwords.js';
import { API_SCOPES } from './api-scopes.js';

export { PASSWORD_MIN_LENGTH };

const bilingualName = z.string().trim().min(1).max(120);
const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export const usernameSchema = z.string().trim().regex(/^[A-Za-z0-9._@-]{2,64}$/, 'field.username_format');
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { abort: true })
  .max(PASSWORD_MAX_BYTES, { abort: true })
  .refine((p) => utf8Bytes(p) <= PASSWORD_MAX_BYTES, { error: 'field.password_bytes', abort: true });

/** An area of the gym (its opening hours are validated with the tenant's in the module). */
export const areaFields = {
  name_en: bilingualName,
  name_el: bilingualName,
  capacity: z.number().int().min(1).max(100000).meta({ description: 'People present at once' }),
  is_bookable: z.boolean(),
  booking_capacity: z.number().int().min(1).max(10000).meta({ description: 'Bookings that may overlap at one instant (1 = an exclusive room)' }),
  slot_minutes: z.number().int().min(5).max(480),
  // A decimal amount, stored in cents: the refinement also refuses a float like 0.1 + 0.2 that passes multipleOf.
  price_per_hour: z.number().min(0).max(99_999_999.99).multipleOf(0.01).refine(isCentsAmount, 'field.cents'),
};

export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;

export const exerciseSchema = z.object({
  name_en: bilingualName,
  name_el: bilingualName,
  sets: z.number().int().min(1).max(100),
  reps: z.number().int().min(1).max(1000).optional(),
  seconds: z.number().int().min(1).max(3600).optional(),
}).strict()
  .refine((e) => (e.reps === undefined) !== (e.seconds === undefined), { error: 'field.reps_or_seconds', path: ['reps'] })
  .meta({ id: 'Exercise' });

export const programFields = {
  name_en: bilingualName,
  name_el: bilingualName,
  difficulty: z.enum(DIFFICULTIES),
  exercises: z.array(exerciseSchema).max(50).meta({ description: 'In order' }),
  est_minutes: z.number().int().min(1).max(600),
  kcal_per_hour: z.number().int().min(0).max(3000),
};

export const MEMBER_ROLES = ['member', 'trainer', 'owner'] as const;

export const memberFields = {
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(MEMBER_ROLES),
  email: z.email().max(254).nullable(),
  full_name: z.string().trim().min(1).max(120).nullable(),
  member_id: z.string().trim().min(1).max(64).nullable(),
  locale: z.enum(['en', 'el']),
  active: z.boolean(),
};

export const gymNameSchema = z.string().trim().min(1).max(120);
export const displayTokenBody = z.object({ name: z.string().trim().min(1).max(120) });

/** A new API key: what it is for, what it may do, and optionally until when (an instant ahead). */
export const apiKeyBody = z.object({
  name: z.string().trim().min(1).max(120),
  scopes: z
    .array(z.enum(API_SCOPES))
    .min(1, 'field.pick_scope')
    .max(API_SCOPES.length)
    .refine((s) => new Set(s).size === s.length, 'field.scopes_repeated'),
  expires_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .refine((v) => v == null || Date.parse(v) > Date.now(), 'field.expires_in_future')
    .meta({ description: 'When the key stops working; absent or null: never' }),
});

export const loginFields = {
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
};

/** What the web app checks before it sends each form; the server's own schemas are built from the same fields. */
export const forms = {
  area: { create: z.object(areaFields), update: z.object(areaFields).partial() },
  program: { create: z.object(programFields), update: z.object(programFields).partial() },
  member: {
    create: z.object({
      username: memberFields.username,
      password: memberFields.password,
      role: memberFields.role,
      locale: memberFields.locale,
      email: memberFields.email.optional(),
      full_name: memberFields.full_name.optional(),
      member_id: memberFields.member_id.optional(),
    }),
    update: z.object(memberFields).partial(),
  },
  settings: z.object({ name: gymNameSchema }),
  displayToken: displayTokenBody,
  apiKey: apiKeyBody,
  login: z.object(loginFields),
};
