/** Booking a slot, cancelling, and the bookings as the API answers them. */
import { z } from 'zod';
import { amountSchema, clockSchema, currencySchema, idParams, instantSchema, localDateSchema, pageQuery } from './common.js';

/**
 * `late_cancelled`: cancelled inside the gym's cancellation window (counts like a no-show); `held`: a
 * place kept for a waitlist offer until it is accepted or runs out (contracts/waitlist.ts).
 */
export const BOOKING_STATUSES = ['confirmed', 'held', 'cancelled', 'late_cancelled', 'completed', 'no_show'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const bookRoomBody = z
  .object({
    room_id: z.uuid().meta({ description: 'The area to book' }),
    date: localDateSchema.optional().meta({ description: 'Local date; default today (tenant time)' }),
    time: clockSchema.meta({ description: 'Local start time; must be the start of a slot' }),
    duration: z.number().int().min(5).max(1440).optional().meta({ description: 'Minutes from the start; must end by closing time; default one slot' }),
    trainer: z.string().trim().min(1).max(120).optional().meta({ description: "A trainer's user id or a name" }),
    price: z.number().min(0).max(1e12).optional().meta({ description: "The price the client showed (decimal); refused (422 price_mismatch) unless it is the server's to the cent" }),
    user_id: z.uuid().optional().meta({ description: 'Staff only: book for this member' }),
  })
  .strict();
export type BookRoomInput = z.infer<typeof bookRoomBody>;

export const cancelBody = z.object({ booking_id: z.uuid() }).strict();
export const markBookingBody = z.object({ status: z.enum(['completed', 'no_show']) }).strict();
export const bookingIdParams = idParams;

export const userBookingsQuery = pageQuery.extend({
  status: z.enum(BOOKING_STATUSES).optional(),
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

/** A booking as the answers of booking, cancelling and marking show it; dates and clock times are the gym's local time. */
export const bookingSchema = z
  .object({
    id: z.uuid(),
    area_id: z.uuid(),
    user_id: z.uuid(),
    date: z.iso.date(),
    start_time: clockSchema,
    duration: z.number().int().meta({ description: 'Minutes' }),
    starts_at: instantSchema,
    ends_at: instantSchema,
    trainer: z.string().nullable(),
    trainer_id: z.uuid().nullable(),
    price: amountSchema.meta({ description: 'Amount, computed by the server' }),
    currency: currencySchema,
    status: z.enum(BOOKING_STATUSES),
    created_at: instantSchema,
    cancelled_at: instantSchema.nullable(),
  })
  .meta({ id: 'Booking' });
export type Booking = z.infer<typeof bookingSchema>;

/** A booking as lists and GET /api/bookings/:id show it: with the area's names, and the person's for staff. */
export const bookingDetailsSchema = bookingSchema
  .extend({
    area_name_en: z.string(),
    area_name_el: z.string(),
    username: z.string().optional().meta({ description: 'Staff only' }),
    full_name: z.string().nullable().optional().meta({ description: 'Staff only' }),
  })
  .meta({ id: 'BookingDetails' });
export type BookingDetails = z.infer<typeof bookingDetailsSchema>;

/** A booking in the staff's list of the gym's bookings: always with the person. */
export const staffBookingSchema = bookingDetailsSchema
  .extend({ username: z.string(), full_name: z.string().nullable() })
  .meta({ id: 'StaffBooking' });
export type StaffBooking = z.infer<typeof staffBookingSchema>;

export const bookingCreatedSchema = z.object({ booking: bookingSchema });
export type BookingCreated = z.infer<typeof bookingCreatedSchema>;
