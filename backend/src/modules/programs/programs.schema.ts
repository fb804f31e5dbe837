import { z } from 'zod';
import { DIFFICULTIES, exerciseSchema, programFields as fields } from '../../contracts/forms.js';
import { pageQuery } from '../../http/paging.js';

export { DIFFICULTIES, exerciseSchema };

export const createProgramBody = z.object({ ...fields, exercises: fields.exercises.default([]) }).strict();
export type CreateProgramInput = z.infer<typeof createProgramBody>;
export const updateProgramBody = z.object(fields).partial().strict().refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateProgramInput = z.infer<typeof updateProgramBody>;

export const programIdParams = z.object({ id: z.uuid() });
export const programsQuery = pageQuery.extend({ difficulty: z.enum(DIFFICULTIES).optional() });

export const programSchema = z.object({
  id: z.uuid(),
  name_en: z.string(),
  name_el: z.string(),
  difficulty: z.enum(DIFFICULTIES),
  exercises: z.array(exerciseSchema),
  est_minutes: z.number().int(),
  kcal_per_hour: z.number().int(),
  created_at: z.string(),
}).meta({ id: 'WorkoutProgram' });
