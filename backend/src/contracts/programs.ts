/** Workout programs: ordered exercises with sets and reps or seconds. */
import { z } from 'zod';
import { idParams, instantSchema, pageQuery } from './common.js';
import { DIFFICULTIES, exerciseSchema, programFields as fields } from './forms.js';

export { DIFFICULTIES, exerciseSchema };
export type Difficulty = (typeof DIFFICULTIES)[number];
export type Exercise = z.infer<typeof exerciseSchema>;

export const createProgramBody = z.object({ ...fields, exercises: fields.exercises.default([]) }).strict();
export type CreateProgramInput = z.infer<typeof createProgramBody>;
export const updateProgramBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateProgramInput = z.infer<typeof updateProgramBody>;

export const programIdParams = idParams;
export const programsQuery = pageQuery.extend({ difficulty: z.enum(DIFFICULTIES).optional() });
export type ProgramsQuery = z.infer<typeof programsQuery>;

export const programSchema = z
  .object({
    id: z.uuid(),
    name_en: z.string(),
    name_el: z.string(),
    difficulty: z.enum(DIFFICULTIES),
    exercises: z.array(exerciseSchema),
    est_minutes: z.number().int(),
    kcal_per_hour: z.number().int(),
    created_at: instantSchema,
  })
  .meta({ id: 'WorkoutProgram' });
export type Program = z.infer<typeof programSchema>;

export const programCreatedSchema = z.object({ program: programSchema });
