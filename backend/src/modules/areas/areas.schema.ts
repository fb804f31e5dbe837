import { z } from 'zod';
import { areaFields } from '../../contracts/forms.js';
import { pageQuery } from '../../http/paging.js';
import { CLOCK, CLOSING_CLOCK, WEEKDAYS } from '../slots/slot-grid.js';

const dayHours = z.object({
  open: z.string().regex(CLOCK, 'Expected HH:MM'),
  close: z.string().regex(CLOSING_CLOCK, "Expected HH:MM or '24:00'"),
}).strict().refine((d) => d.close > d.open, { message: 'field.close_after_open', path: ['close'] });

/** Per weekday; a missing or null day is closed. */
export const openingHoursSchema = z.object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.nullable().optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<z.ZodNullable<typeof dayHours>>>,
).strict().meta({ id: 'OpeningHours', description: "Local opening hours per weekday (mon..sun); a missing or null day is closed" });

const fields = {
  ...areaFields,
  opening_hours: openingHoursSchema.nullable().meta({ description: "null: the gym's opening hours" }),
};

export const createAreaBody = z.object({
  ...fields,
  is_bookable: fields.is_bookable.default(true),
  booking_capacity: fields.booking_capacity.default(1),
  slot_minutes: fields.slot_minutes.default(60),
  price_per_hour: fields.price_per_hour.default(0),
  opening_hours: fields.opening_hours.default(null),
}).strict();
export type CreateAreaInput = z.infer<typeof createAreaBody>;

export const updateAreaBody = z.object(fields).partial().strict()
  .refine((b) => Object.keys(b).length > 0, 'Nothing to change');
export type UpdateAreaInput = z.infer<typeof updateAreaBody>;

export const areaIdParams = z.object({ id: z.uuid() });
export const areasQuery = pageQuery.extend({ bookable: z.enum(['true', 'false']).transform((v) => v === 'true').optional() });

export const areaSchema = z.object({
  id: z.uuid(),
  name_en: z.string(),
  name_el: z.string(),
  capacity: z.number().int(),
  current_users: z.number().int(),
  occupancy_pct: z.number(),
  is_bookable: z.boolean(),
  booking_capacity: z.number().int(),
  slot_minutes: z.number().int(),
  price_per_hour: z.number().meta({ description: 'Decimal amount per hour, two digits at most' }),
  currency: z.string().meta({ description: "ISO 4217 code of the gym's currency", example: 'EUR' }),
  opening_hours: openingHoursSchema.nullable(),
  created_at: z.string(),
}).meta({ id: 'Area' });
