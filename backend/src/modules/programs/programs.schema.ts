import { z } from 'zod';
import { pageQuery } from '../../http/paging.js';

const name = z.string().trim().min(1).max(120);
export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;

export const exerciseSchema = z.object({
  name_en: name,
  name_el: name,
  sets: z.number().int().min(1).max(100),
  reps: z.number().int().min(1).max(1000).optional(),
  seconds: z.number().int().min(1).max(3600).optional(),
}).strict()
  .refine((e) => (e.reps === undefined) !== (e.seconds === undefined), { message: 'Give reps or seconds (one of them)', path: ['reps'] })
  .meta({ id: 'Exercise' });

const fields = {
  name_en: name,
  name_el: name,
  difficulty: z.enum(DIFFICULTIES),
  exercises: z.array(exerciseSchema).max(50).meta({ description: 'In order' }),
  est_minutes: z.number().int().min(1).max(600),
  kcal_per_hour: z.number().int().min(0).max(3000),
};

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
