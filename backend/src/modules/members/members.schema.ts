import { z } from 'zod';
import { MEMBER_ROLES, memberFields as fields } from '../../contracts/forms.js';
import { pageQuery } from '../../http/paging.js';

export { MEMBER_ROLES };

export const createMemberBody = z.object({
  username: fields.username,
  password: fields.password,
  role: fields.role.default('member'),
  email: fields.email.optional(),
  full_name: fields.full_name.optional(),
  member_id: fields.member_id.optional(),
  locale: fields.locale.optional().meta({ description: "Default: the gym's language" }),
}).strict();
export type CreateMemberInput = z.infer<typeof createMemberBody>;

export const updateMemberBody = z.object({
  password: fields.password,
  role: fields.role,
  email: fields.email,
  full_name: fields.full_name,
  member_id: fields.member_id,
  locale: fields.locale,
  active: fields.active,
}).partial().strict().refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateMemberInput = z.infer<typeof updateMemberBody>;

export const memberIdParams = z.object({ id: z.uuid() });
export const membersQuery = pageQuery.extend({
  role: z.enum(MEMBER_ROLES).optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().min(1).max(100).optional().meta({ description: 'Part of the username, name, email or member id' }),
});
export type MembersQuery = z.infer<typeof membersQuery>;

export const memberSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: z.enum(MEMBER_ROLES),
  email: z.string().nullable(),
  full_name: z.string().nullable(),
  member_id: z.string().nullable(),
  locale: z.enum(['en', 'el']),
  active: z.boolean(),
  created_at: z.string(),
  stats: z.object({
    workouts_completed: z.number().int(),
    total_minutes: z.number().int(),
    total_calories: z.number().int(),
    current_streak: z.number().int(),
    last_workout_date: z.string().nullable(),
  }),
}).meta({ id: 'Member' });
