/** The live status of the gym (GET /api/gym-status) and its occupancy over a day, for charts. */
import { z } from 'zod';
import { instantSchema, localDateSchema } from './common.js';

export const areaStatusSchema = z
  .object({
    id: z.uuid(),
    name_en: z.string(),
    name_el: z.string(),
    capacity: z.number().int().meta({ description: 'People present at once' }),
    current_users: z.number().int().meta({ description: 'People in the area now (open visits)' }),
    occupancy_pct: z.number().meta({ description: 'current_users / capacity in percent, one decimal.' }),
    is_bookable: z.boolean(),
  })
  .meta({ id: 'AreaStatus' });
export type AreaStatus = z.infer<typeof areaStatusSchema>;

export const gymStatusSchema = z
  .object({
    areas: z.array(areaStatusSchema),
    totals: z.object({ current_users: z.number().int(), capacity: z.number().int(), occupancy_pct: z.number() }),
  })
  .meta({ id: 'GymStatus' });
export type GymStatus = z.infer<typeof gymStatusSchema>;

export const historyQuery = z.object({
  date: localDateSchema.optional().meta({ description: 'Local date; default today (up to now)' }),
  interval: z.coerce.number().int().min(5).max(240).default(15).meta({ description: 'Minutes between points' }),
  area_id: z.uuid().optional(),
});
export type HistoryQuery = z.infer<typeof historyQuery>;

export const historySchema = z
  .object({
    date: z.iso.date(),
    timezone: z.string(),
    interval_minutes: z.number().int(),
    areas: z.array(
      z.object({
        area_id: z.uuid(),
        capacity: z.number().int(),
        points: z.array(z.object({ at: instantSchema, time: z.string().meta({ description: 'Local HH:MM' }), current_users: z.number().int() })),
      }),
    ),
  })
  .meta({ id: 'OccupancyHistory' });
export type OccupancyHistory = z.infer<typeof historySchema>;
