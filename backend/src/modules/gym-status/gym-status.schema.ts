import { localDateSchema } from '../slots/slots.schema.js';
import { z } from 'zod';

export const areaStatusSchema = z.object({
  id: z.uuid(),
  name_en: z.string(),
  name_el: z.string(),
  capacity: z.number().int(),
  current_users: z.number().int(),
  occupancy_pct: z.number().meta({ description: 'current_users / capacity in percent, one decimal.' }),
  is_bookable: z.boolean(),
}).meta({ id: 'AreaStatus' });

export const gymStatusSchema = z.object({
  areas: z.array(areaStatusSchema),
  totals: z.object({ current_users: z.number().int(), capacity: z.number().int(), occupancy_pct: z.number() }),
}).meta({ id: 'GymStatus' });

export const historyQuery = z.object({
  date: localDateSchema.optional().meta({ description: "Local date; default today (up to now)" }),
  interval: z.coerce.number().int().min(5).max(240).default(15).meta({ description: 'Minutes between points' }),
  area_id: z.uuid().optional(),
});

export const historySchema = z.object({
  date: z.string(),
  timezone: z.string(),
  interval_minutes: z.number().int(),
  areas: z.array(z.object({
    area_id: z.uuid(),
    capacity: z.number().int(),
    points: z.array(z.object({ at: z.string().meta({ format: 'date-time' }), time: z.string(), current_users: z.number().int() })),
  })),
}).meta({ id: 'OccupancyHistory' });
