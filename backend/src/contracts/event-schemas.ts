/**
 * The payloads of the real-time events as zod schemas: the one source of their shapes. events.ts
 * derives the types from them (type-only, so the web app's socket code loads no zod) and holds the
 * rest of the contract: namespaces, handshake, resume and the refusals.
 */
import { z } from 'zod';
import { clockSchema, instantSchema } from './common.js';
import { BOOKING_STATUSES } from './bookings.js';

/** A booking as it travels in events; `user_id` reaches only staff and the booking's own user. */
export const bookingEventViewSchema = z.object({
  id: z.uuid(),
  area_id: z.uuid(),
  date: z.iso.date(),
  start_time: clockSchema,
  duration: z.number().int(),
  status: z.enum(BOOKING_STATUSES),
  user_id: z.uuid().optional(),
});

const areaDay = z.object({ area_id: z.uuid(), date: z.iso.date() });
const workout = z.object({ area_id: z.uuid().nullable(), session_id: z.uuid() });

export const eventPayloadSchemas = {
  occupancy: z.object({ area_id: z.uuid(), current_users: z.number().int().min(0), capacity: z.number().int() }),
  'booking:created': z.object({ booking: bookingEventViewSchema }),
  'booking:cancelled': z.object({ booking: bookingEventViewSchema }),
  'slots:changed': areaDay,
  'workout:started': workout,
  'workout:completed': workout,
  /** The set of areas changed (created, edited, deleted): clients refetch /api/gym-status. */
  'areas:changed': z.object({ area_id: z.uuid(), change: z.enum(['created', 'updated', 'deleted']) }),
  /** A place is held for this member from the slot's waitlist; reaches that member only. */
  'waitlist:offered': z.object({
    entry_id: z.uuid(),
    area_id: z.uuid(),
    date: z.iso.date(),
    start_time: clockSchema,
    duration: z.number().int(),
    hold_until: instantSchema,
    user_id: z.uuid(),
  }),
  /** A waitlist of this area and day changed (joined, left, offered, taken): clients refetch the counts. */
  'waitlist:changed': areaDay,
};

/** What every event carries: its place in the gym's log and when it happened. */
export const eventMetaSchema = z.object({
  seq: z.number().int().min(1).meta({ description: 'Per gym, +1 per event' }),
  at: instantSchema,
});

/** Every event as a client receives it. */
export const serverEventSchemas = Object.fromEntries(
  Object.entries(eventPayloadSchemas).map(([type, payload]) => [type, payload.extend(eventMetaSchema.shape)]),
) as unknown as { [K in keyof typeof eventPayloadSchemas]: z.ZodType<z.infer<(typeof eventPayloadSchemas)[K]> & z.infer<typeof eventMetaSchema>> };

/** The answer of `resume`: the last seq replayed, or why not. */
export const resumeAckSchema = z.union([
  z.object({ success: z.literal(true), data: z.object({ last_seq: z.number().int().min(0) }) }),
  z.object({
    success: z.literal(false),
    message: z.string(),
    data: z.object({ code: z.string().meta({ description: 'service_unavailable, invalid_input, rate_limited or replay_limited' }) }),
  }),
]);
