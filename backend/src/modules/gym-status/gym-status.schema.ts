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
