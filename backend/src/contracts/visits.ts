/** Who is in which area: check-in and check-out at the desk or a kiosk, and the visit log. */
import { z } from 'zod';
import { booleanFlag, idParams, instantSchema, localDateSchema, pageQuery } from './common.js';

export const VISIT_SOURCES = ['workout', 'staff', 'kiosk', 'auto_expired'] as const;
export type VisitSource = (typeof VISIT_SOURCES)[number];

export const checkInBody = z
  .object({
    user_id: z.uuid(),
    area_id: z.uuid(),
    source: z.enum(['staff', 'kiosk']).default('staff'),
  })
  .strict();
export type CheckInInput = z.infer<typeof checkInBody>;

export const checkOutBody = z.object({ user_id: z.uuid() }).strict();
export const visitIdParams = idParams;

export const visitsQuery = pageQuery.extend({
  area_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  open: booleanFlag.optional().meta({ description: 'Only open (true) or closed (false) visits' }),
  from: localDateSchema.optional().meta({ description: 'Checked in on or after this local date' }),
  to: localDateSchema.optional().meta({ description: 'Checked in on or before this local date' }),
});
export type VisitsQuery = z.infer<typeof visitsQuery>;

/** A visit as check-in and check-out answer it. */
export const visitSchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    area_id: z.uuid(),
    checked_in_at: instantSchema,
    checked_out_at: instantSchema.nullable().meta({ description: 'null while the person is inside' }),
    source: z.enum(VISIT_SOURCES),
  })
  .meta({ id: 'Visit' });
export type Visit = z.infer<typeof visitSchema>;

/** A visit in the log: with the person. */
export const visitLogEntrySchema = visitSchema
  .extend({ username: z.string(), full_name: z.string().nullable() })
  .meta({ id: 'VisitLogEntry' });
export type VisitLogEntry = z.infer<typeof visitLogEntrySchema>;

export const visitCreatedSchema = z.object({ visit: visitSchema });
