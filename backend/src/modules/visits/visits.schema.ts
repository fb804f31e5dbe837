import { z } from 'zod';
import { pageQuery } from '../../http/paging.js';
import { localDateSchema } from '../slots/slots.schema.js';

export const checkInBody = z.object({
  user_id: z.uuid(),
  area_id: z.uuid(),
  source: z.enum(['staff', 'kiosk']).default('staff'),
}).strict();

export const checkOutBody = z.object({ user_id: z.uuid() }).strict();
export const visitIdParams = z.object({ id: z.uuid() });

export const visitsQuery = pageQuery.extend({
  area_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  open: z.enum(['true', 'false']).transform((v) => v === 'true').optional().meta({ description: 'Only open (true) or closed (false) visits' }),
  from: localDateSchema.optional().meta({ description: 'Checked in on or after this local date' }),
  to: localDateSchema.optional().meta({ description: 'Checked in on or before this local date' }),
});
export type VisitsQuery = z.infer<typeof visitsQuery>;

export const visitSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  area_id: z.uuid(),
  checked_in_at: z.string().meta({ format: 'date-time' }),
  checked_out_at: z.string().nullable(),
  source: z.enum(['workout', 'staff', 'kiosk', 'auto_expired']),
  username: z.string().optional(),
  full_name: z.string().nullable().optional(),
}).meta({ id: 'Visit' });
