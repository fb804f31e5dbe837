/** Waitlists of full slots: joining, the member's entries, offers and the staff's view of the queues. */
import { z } from 'zod';
import { clockSchema, idParams, instantSchema, localDateSchema } from './common.js';

export const WAITLIST_STATUSES = ['waiting', 'offered', 'accepted', 'declined', 'expired', 'left'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export const joinWaitlistBody = z
  .object({
    room_id: z.uuid().meta({ description: 'The area of the full slot' }),
    date: localDateSchema.meta({ description: 'Local date' }),
    time: clockSchema.meta({ description: 'Local start time of the slot' }),
    duration: z.number().int().min(5).max(1440).optional().meta({ description: 'Minutes; default one slot' }),
  })
  .strict();
export type JoinWaitlistInput = z.infer<typeof joinWaitlistBody>;

export const waitlistIdParams = idParams;

export const waitlistEntrySchema = z
  .object({
    id: z.uuid(),
    area_id: z.uuid(),
    area_name_en: z.string(),
    area_name_el: z.string(),
    date: z.iso.date(),
    start_time: clockSchema,
    duration: z.number().int(),
    starts_at: instantSchema,
    status: z.enum(WAITLIST_STATUSES),
    position: z.number().int().nullable().meta({ description: 'Place in line now (1: next); null once the entry has left the line' }),
    offered_at: instantSchema.nullable(),
    hold_until: instantSchema.nullable().meta({ description: 'While offered: the place is held until then' }),
    booking_id: z.uuid().nullable().meta({ description: 'The held place while offered, the booking once accepted' }),
    created_at: instantSchema,
  })
  .meta({ id: 'WaitlistEntry' });
export type WaitlistEntry = z.infer<typeof waitlistEntrySchema>;

export const waitlistQueuesQuery = z.object({
  date: localDateSchema.optional().meta({ description: 'Local date; default every open line ahead' }),
  area_id: z.uuid().optional(),
});
export type WaitlistQueuesQuery = z.infer<typeof waitlistQueuesQuery>;

/** One slot's line as staff see it: who, in which order, with open offers. */
export const waitlistQueueSchema = z
  .object({
    area_id: z.uuid(),
    area_name_en: z.string(),
    area_name_el: z.string(),
    date: z.iso.date(),
    start_time: clockSchema,
    starts_at: instantSchema,
    entries: z.array(z.object({
      id: z.uuid(),
      user_id: z.uuid(),
      username: z.string(),
      full_name: z.string().nullable(),
      position: z.number().int(),
      status: z.enum(['waiting', 'offered']),
      hold_until: instantSchema.nullable(),
    })),
  })
  .meta({ id: 'WaitlistQueue' });
export type WaitlistQueue = z.infer<typeof waitlistQueueSchema>;
