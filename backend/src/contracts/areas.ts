/** The areas of a gym: rooms, courts, the gym floor; each with its capacity and how it is booked. */
import { z } from 'zod';
import { amountSchema, booleanFlag, currencySchema, idParams, instantSchema, openingHoursSchema, pageQuery } from './common.js';
import { areaFields } from './forms.js';
import { areaStatusSchema } from './gym-status.js';

const fields = {
  ...areaFields,
  opening_hours: openingHoursSchema.nullable().meta({ description: "null: the gym's opening hours" }),
  max_booking_minutes: z.number().int().min(5).max(1440).nullable().meta({ description: "The longest booking here; null: the gym's rule" }),
};

export const createAreaBody = z
  .object({
    ...fields,
    is_bookable: fields.is_bookable.default(true),
    booking_capacity: fields.booking_capacity.default(1),
    slot_minutes: fields.slot_minutes.default(60),
    price_per_hour: fields.price_per_hour.default(0),
    opening_hours: fields.opening_hours.default(null),
    max_booking_minutes: fields.max_booking_minutes.default(null),
  })
  .strict();
export type CreateAreaInput = z.infer<typeof createAreaBody>;

export const updateAreaBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateAreaInput = z.infer<typeof updateAreaBody>;

export const areaIdParams = idParams;
export const areasQuery = pageQuery.extend({ bookable: booleanFlag.optional() });
export type AreasQuery = z.infer<typeof areasQuery>;

/** An area as its resource answers it: its live status plus how it is booked. */
export const areaSchema = areaStatusSchema
  .extend({
    booking_capacity: z.number().int().meta({ description: 'Bookings that may overlap at one instant (1 = an exclusive room)' }),
    slot_minutes: z.number().int(),
    price_per_hour: amountSchema,
    currency: currencySchema,
    opening_hours: openingHoursSchema.nullable().meta({ description: "null: the gym's opening hours" }),
    max_booking_minutes: z.number().int().nullable().meta({ description: "The longest booking here; null: the gym's rule" }),
    created_at: instantSchema,
  })
  .meta({ id: 'Area' });
export type Area = z.infer<typeof areaSchema>;

export const areaCreatedSchema = z.object({ area: areaSchema });
