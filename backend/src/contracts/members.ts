/** The people of a gym (members, trainers, owners) with their stats. */
import { z, type ZodType } from 'zod';
import { booleanFlag, idParams, instantSchema, localeSchema, pageQuery } from './common.js';
import { MEMBER_ROLES, memberFields as fields, passwordSchema } from './forms.js';
import { statsSchema } from './workouts.js';

export { MEMBER_ROLES };
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * The bodies that set a password take its rule as a parameter: the shape is shared, but only the server
 * checks how guessable a new password is (its dictionaries are megabytes).
 */
export function memberBodies(password: ZodType<string> = passwordSchema) {
  const create = z
    .object({
      username: fields.username,
      password,
      role: fields.role.default('member'),
      email: fields.email.optional(),
      full_name: fields.full_name.optional(),
      member_id: fields.member_id.optional(),
      locale: fields.locale.optional().meta({ description: "Default: the gym's language" }),
    })
    .strict();
  const update = z
    .object({
      password,
      role: fields.role,
      email: fields.email,
      full_name: fields.full_name,
      member_id: fields.member_id,
      locale: fields.locale,
      active: fields.active,
    })
    .partial()
    .strict()
    .refine((b) => Object.keys(b).length > 0, 'Nothing to change');
  return { create, update };
}
type Bodies = ReturnType<typeof memberBodies>;
export type CreateMemberInput = z.infer<Bodies['create']>;
export type UpdateMemberInput = z.infer<Bodies['update']>;

export const memberIdParams = idParams;
export const membersQuery = pageQuery.extend({
  role: z.enum(MEMBER_ROLES).optional(),
  active: booleanFlag.optional(),
  q: z.string().trim().min(1).max(100).optional().meta({ description: 'Part of the username, name, email or member id' }),
});
export type MembersQuery = z.infer<typeof membersQuery>;

export const memberSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role: z.enum(MEMBER_ROLES),
    email: z.string().nullable(),
    full_name: z.string().nullable(),
    member_id: z.string().nullable().meta({ description: "The gym's own number for the person" }),
    locale: localeSchema,
    active: z.boolean(),
    created_at: instantSchema,
    booking_blocked_until: instantSchema.nullable().meta({ description: "Booking is refused until then (the gym's no-show rule); staff can lift it" }),
    stats: statsSchema,
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof memberSchema>;

export const memberCreatedSchema = z.object({ member: memberSchema });
