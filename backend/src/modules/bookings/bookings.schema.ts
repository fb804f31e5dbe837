import { z } from 'zod';
import { pageQuery } from '../../http/paging.js';
import { clockSchema, localDateSchema } from '../slots/slots.schema.js';

export const bookRoomBody = z.object({
  room_id: z.uuid().meta({ description: 'The area to book' }),
  date: localDateSchema.optional().meta({ description: "Local date; default today (tenant time)" }),
  time: clockSchema.meta({ description: 'Local start time; must be the start of a slot' }),
  duration: z.number().int().min(5).max(1440).optional().meta({ description: "Minutes from the start; must end by closing time; default one slot" }),
  trainer: z.string().trim().min(1).max(120).optional().meta({ description: "A trainer's user id or a name" }),
  price: z.number().min(0).max(1e12).optional().meta({ description: "The price the client showed (decimal); refused (422 price_mismatch) unless it is the server's to the cent" }),
  user_id: z.uuid().optional().meta({ description: 'Staff only: book for this member' }),
}).strict();
export type BookRoomInput = z.infer<typeof bookRoomBody>;

export const cancelBody = z.object({ booking_id: z.uuid() }).strict();
export const markBookingBody = z.object({ status: z.enum(['completed', 'no_show']) }).strict();
export const bookingIdParams = z.object({ id: z.uuid() });

export const STATUSES = ['confirmed', 'cancelled', 'completed', 'no_show'] as const;

export const userBookingsQuery = pageQuery.extend({
  status: z.enum(STATUSES).optional(),
  from: localDateSchema.optional().meta({ description: 'First local date (inclusive)' }),
  to: localDateSchema.optional().meta({ description: 'Last local date (inclusive)' }),
});

export const bookingsQuery = userBookingsQuery.extend({
  area_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  date: localDateSchema.optional(),
  order: z.enum(['asc', 'desc']).default('desc').meta({ description: 'By start time' }),
});
export type BookingFilters = z.infer<typeof bookingsQuery>;

export const bookingSchema = z.object({
  id: z.uuid(),
  area_id: z.uuid(),
  user_id: z.uuid(),
  date: z.string().meta({ format: 'date' }),
  start_time: z.string().meta({ example: '18:00' }),
  duration: z.number().int(),
  starts_at: z.string().meta({ format: 'date-time' }),
  ends_at: z.string().meta({ format: 'date-time' }),
  trainer: z.string().nullable(),
  trainer_id: z.uuid().nullable(),
  price: z.number().meta({ description: 'Decimal amount, two digits at most' }),
  currency: z.string().meta({ description: "ISO 4217 code of the gym's currency", example: 'EUR' }),
  status: z.enum(STATUSES),
  created_at: z.string().meta({ format: 'date-time' }),
  cancelled_at: z.string().nullable(),
  area_name_en: z.string().optional(),
  area_name_el: z.string().optional(),
  username: z.string().optional().meta({ description: 'Staff lists only' }),
  full_name: z.string().nullable().optional(),
}).meta({ id: 'Booking' });
