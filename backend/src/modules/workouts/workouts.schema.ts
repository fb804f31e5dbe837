import { z } from 'zod';
import { pageQuery } from '../../http/paging.js';

export const startWorkoutBody = z.object({
  program_id: z.uuid(),
  area_id: z.uuid().optional().meta({ description: 'Checks the member into this area (409 area_full when at capacity)' }),
}).strict();

export const completeWorkoutBody = z.object({
  session_id: z.uuid(),
  calories: z.number().int().min(0).max(20000).optional().meta({ description: "Default: the program's kcal_per_hour times the duration" }),
}).strict();

export const workoutsQuery = pageQuery.extend({
  user_id: z.uuid().optional().meta({ description: "Staff only: another member's sessions" }),
  status: z.enum(['active', 'completed', 'abandoned']).optional(),
});

export const sessionSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  program_id: z.uuid(),
  area_id: z.uuid().nullable(),
  start_time: z.string().meta({ format: 'date-time' }),
  end_time: z.string().nullable(),
  duration_minutes: z.number().int().nullable(),
  calories: z.number().int().nullable(),
  status: z.enum(['active', 'completed', 'abandoned']),
}).meta({ id: 'WorkoutSession' });

export const statsSchema = z.object({
  workouts_completed: z.number().int(),
  total_minutes: z.number().int(),
  total_calories: z.number().int(),
  current_streak: z.number().int().meta({ description: 'Consecutive local days with a completed workout, up to today or yesterday' }),
  last_workout_date: z.string().nullable(),
}).meta({ id: 'UserStats' });
