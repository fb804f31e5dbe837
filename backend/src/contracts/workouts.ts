/** Workouts: a session started from a program (which checks the member in) and completed; the stats. */
import { z } from 'zod';
import { instantSchema, pageQuery } from './common.js';

export const SESSION_STATUSES = ['active', 'completed', 'abandoned'] as const;

export const startWorkoutBody = z
  .object({
    program_id: z.uuid(),
    area_id: z.uuid().optional().meta({ description: 'Checks the member into this area (409 area_full when at capacity)' }),
  })
  .strict();
export type StartWorkoutInput = z.infer<typeof startWorkoutBody>;

export const completeWorkoutBody = z
  .object({
    session_id: z.uuid(),
    calories: z.number().int().min(0).max(20000).optional().meta({ description: "Default: the program's kcal_per_hour times the duration" }),
  })
  .strict();
export type CompleteWorkoutInput = z.infer<typeof completeWorkoutBody>;

export const workoutsQuery = pageQuery.extend({
  user_id: z.uuid().optional().meta({ description: "Staff only: another member's sessions" }),
  status: z.enum(SESSION_STATUSES).optional(),
});
export type WorkoutsQuery = z.infer<typeof workoutsQuery>;

export const sessionSchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    program_id: z.uuid(),
    area_id: z.uuid().nullable().meta({ description: 'null when the workout checked nobody in' }),
    start_time: instantSchema,
    end_time: instantSchema.nullable(),
    duration_minutes: z.number().int().nullable().meta({ description: 'null while active' }),
    calories: z.number().int().nullable(),
    status: z.enum(SESSION_STATUSES),
  })
  .meta({ id: 'WorkoutSession' });
export type WorkoutSession = z.infer<typeof sessionSchema>;

export const sessionStartedSchema = z.object({ session: sessionSchema });

export const statsSchema = z
  .object({
    workouts_completed: z.number().int(),
    total_minutes: z.number().int(),
    total_calories: z.number().int(),
    current_streak: z.number().int().meta({ description: 'Consecutive local days with a completed workout, up to today or yesterday' }),
    last_workout_date: z.iso.date().nullable(),
  })
  .meta({ id: 'UserStats' });
export type UserStats = z.infer<typeof statsSchema>;
export type SessionStarted = z.infer<typeof sessionStartedSchema>;
