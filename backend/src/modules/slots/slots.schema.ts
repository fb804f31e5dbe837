import { z } from 'zod';
import { isValidDate } from './slot-grid.js';

/** A calendar date in the tenant's time zone. */
export const localDateSchema = z.string().refine(isValidDate, 'Expected an existing date YYYY-MM-DD').meta({ format: 'date', example: '2027-03-28' });
/** A local clock time. */
export const clockSchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM').meta({ example: '18:00' });

export const slotsParams = z.object({ areaId: z.uuid() });
export const slotsQuery = z.object({
  date: localDateSchema.optional().meta({ description: "Local date in the tenant's time zone; default today." }),
});

export const slotSchema = z.object({
  start: z.string().meta({ description: 'Local start, HH:MM' }),
  end: z.string().meta({ description: "Local end, HH:MM ('24:00' at midnight)" }),
  starts_at: z.string().meta({ format: 'date-time' }),
  ends_at: z.string().meta({ format: 'date-time' }),
  remaining: z.number().int().meta({ description: 'booking_capacity minus the confirmed bookings overlapping the slot' }),
  available: z.boolean().meta({ description: 'remaining > 0 and the slot has not started' }),
  mine: z.boolean().meta({ description: 'The caller holds a booking in this slot' }),
}).meta({ id: 'Slot' });

export const slotsResponse = z.object({
  area_id: z.uuid(),
  date: z.string(),
  timezone: z.string(),
  slot_minutes: z.number().int(),
  booking_capacity: z.number().int(),
  price_per_hour: z.number().meta({ description: 'Decimal amount per hour, two digits at most' }),
  currency: z.string().meta({ description: "ISO 4217 code of the gym's currency", example: 'EUR' }),
  slots: z.array(slotSchema),
}).meta({ id: 'SlotGrid' });
