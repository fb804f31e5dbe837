import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { STAFF, TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { route } from '../../http/route.js';
import { bookingCreatedSchema } from '../../contracts/bookings.js';
import { joinWaitlistBody, waitlistEntrySchema, waitlistIdParams, waitlistQueueSchema, waitlistQueuesQuery } from '../../contracts/waitlist.js';
import { acceptOffer, declineOffer, joinWaitlist, leaveWaitlist, myWaitlist, waitlistQueues } from './waitlist.service.js';

export function waitlistRoutes(deps: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/api/waitlist',
      summary: "Join a full slot's waitlist (409 slot_available while it has a free place)",
      tag: 'waitlist',
      roles: TENANT_USERS,
      body: joinWaitlistBody,
      response: waitlistEntrySchema,
      status: 201,
      idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201, message: 'ok.waitlist_joined' }, (uow) => joinWaitlist({ ...deps, uow }, auth, body));
      },
    }),
    route({
      method: 'get',
      path: '/api/waitlist',
      summary: "The caller's waitlist entries: open ones and those of slots still ahead",
      tag: 'waitlist',
      roles: TENANT_USERS,
      response: z.array(waitlistEntrySchema),
      handler: async (ctx) => reply(ctx, await myWaitlist(deps, tenantAuth(ctx.state))),
    }),
    route({
      method: 'get',
      path: '/api/waitlist/queues',
      summary: "Every open line ahead (or of one day), with who waits (staff)",
      tag: 'waitlist',
      roles: STAFF,
      query: waitlistQueuesQuery,
      response: z.array(waitlistQueueSchema),
      handler: async (ctx, { query }) => reply(ctx, await waitlistQueues(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'delete',
      path: '/api/waitlist/:id',
      summary: 'Leave a waitlist (an open offer passes to the next in line)',
      tag: 'waitlist',
      roles: TENANT_USERS,
      params: waitlistIdParams,
      response: waitlistEntrySchema,
      handler: async (ctx, { params }) => reply(ctx, await leaveWaitlist(deps, tenantAuth(ctx.state), params.id), { message: 'ok.waitlist_left' }),
    }),
    route({
      method: 'post',
      path: '/api/waitlist/:id/accept',
      summary: 'Take the offered place: the booking (409 offer_unavailable once the offer has ended; a retry finds the entry accepted with its booking_id)',
      tag: 'waitlist',
      roles: TENANT_USERS,
      params: waitlistIdParams,
      response: bookingCreatedSchema,
      status: 201,
      handler: async (ctx, { params }) => reply(ctx, await acceptOffer(deps, tenantAuth(ctx.state), params.id), { status: 201, message: 'ok.booked' }),
    }),
    route({
      method: 'post',
      path: '/api/waitlist/:id/decline',
      summary: 'Decline the offered place; it passes to the next in line',
      tag: 'waitlist',
      roles: TENANT_USERS,
      params: waitlistIdParams,
      response: waitlistEntrySchema,
      handler: async (ctx, { params }) => reply(ctx, await declineOffer(deps, tenantAuth(ctx.state), params.id), { message: 'ok.offer_declined' }),
    }),
  ];
}
