/** An area's slot grid for one local day, with the places left in each slot. */
import { z } from 'zod';
import { amountSchema, clockSchema, currencySchema, closingClockSchema, instantSchema, localDateSchema } from './common.js';

export const slotsParams = z.object({ areaId: z.uuid() });
export const slotsQuery = z.object({
  date: localDateSchema.optional().meta({ description: "Local date in the tenant's time zone; default today." }),
});

export const slotSchema = z
  .object({
    start: clockSchema.meta({ description: 'Local start, HH:MM' }),
    end: closingClockSchema.meta({ description: "Local end, HH:MM ('24:00' at midnight)" }),
    starts_at: instantSchema,
    ends_at: instantSchema,
    remaining: z.number().int().meta({ description: 'booking_capacity minus the confirmed bookings and waitlist holds overlapping the slot' }),
    available: z.boolean().meta({ description: 'remaining > 0 and the slot has not started' }),
    mine: z.boolean().meta({ description: 'The caller holds a booking in this slot' }),
    waitlist: z.number().int().meta({ description: 'People in line for this slot (waiting or with an open offer)' }),
    my_waitlist: z.object({ id: z.uuid(), position: z.number().int(), status: z.enum(['waiting', 'offered']) }).nullable()
      .meta({ description: "The caller's own place in this slot's line, if any" }),
  })
  .meta({ id: 'Slot' });
export type Slot = z.infer<typeof slotSchema>;

export const slotGridSchema = z
  .object({
    area_id: z.uuid(),
    date: z.iso.date(),
    timezone: z.string(),
    slot_minutes: z.number().int(),
    booking_capacity: z.number().int(),
    price_per_hour: amountSchema,
    currency: currencySchema,
    slots: z.array(slotSchema),
  })
  .meta({ id: 'SlotGrid' });
export type SlotGrid = z.infer<typeof slotGridSchema>;
