/** The read-only tokens of a gym's wall screens. */
import { z } from 'zod';
import { idParams, instantSchema } from './common.js';
import { displayTokenBody } from './forms.js';

export { displayTokenBody };
export const displayTokenIdParams = idParams;

export const displayTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    created_by: z.uuid().nullable(),
    created_at: instantSchema,
    last_used_at: instantSchema.nullable(),
    revoked_at: instantSchema.nullable(),
  })
  .meta({ id: 'DisplayToken' });
export type DisplayToken = z.infer<typeof displayTokenSchema>;

/** The answer of a creation: the only time the secret is shown. */
export const newDisplayTokenSchema = displayTokenSchema
  .extend({ token: z.string().meta({ description: 'The secret; shown only in this answer' }) })
  .meta({ id: 'NewDisplayToken' });
export type NewDisplayToken = z.infer<typeof newDisplayTokenSchema>;
