import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { STAFF, TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route, sameForEveryField } from '../../http/route.js';
import {
  bookRoomBody, bookingCreatedSchema, bookingDetailsSchema, bookingIdParams, bookingSchema, bookingsQuery, cancelBody, markBookingBody,
  staffBookingSchema, userBookingsQuery,
} from '../../contracts/bookings.js';
import { bookRoom, cancelBooking, markBooking } from './bookings.service.js';
import { getBooking, listBookings, userBookings } from './bookings.queries.js';

export function bookingsRoutes(deps: AppDeps) {
  const book = route({
    method: 'post',
    path: '/api/book-room',
    summary: 'Book a slot; the server computes the price (409 slot_unavailable when full)',
    tag: 'bookings',
    roles: TENANT_USERS, scope: 'bookings:write',
    body: bookRoomBody,
    response: bookingCreatedSchema,
    status: 201,
    idempotent: true,
    handler: async (ctx, { body }) => {
      const auth = tenantAuth(ctx.state);
      await replyIdempotent(ctx, deps.uow, { status: 201, message: 'ok.booked' }, (uow) => bookRoom({ ...deps, uow }, auth, body));
    },
  });
  return [
    book,
    { ...book, path: '/api/bookings', summary: 'Book a slot (the resource-style form of POST /api/book-room)' },
    route({
      method: 'get',
      path: '/api/user-bookings',
      summary: "The caller's bookings, latest first",
      tag: 'bookings',
      roles: TENANT_USERS,
      query: userBookingsQuery,
      response: z.array(bookingDetailsSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await userBookings(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'post',
      path: '/api/cancel-booking',
      summary: 'Cancel a booking: own bookings only (owner/trainer: any in the gym)',
      tag: 'bookings',
      roles: TENANT_USERS, scope: 'bookings:write',
      body: cancelBody,
      response: bookingSchema,
      handler: async (ctx, { body }) => reply(ctx, await cancelBooking(deps, tenantAuth(ctx.state), body.booking_id), { message: 'ok.booking_cancelled' }),
    }),
    route({
      method: 'post',
      path: '/api/bookings/:id/cancel',
      summary: 'Cancel a booking (the resource-style form of POST /api/cancel-booking)',
      tag: 'bookings',
      roles: TENANT_USERS, scope: 'bookings:write',
      params: bookingIdParams,
      response: bookingSchema,
      handler: async (ctx, { params }) => reply(ctx, await cancelBooking(deps, tenantAuth(ctx.state), params.id), { message: 'ok.booking_cancelled' }),
    }),
    route({
      method: 'get',
      path: '/api/bookings',
      summary: 'Every booking of the gym, filtered and paged (staff)',
      tag: 'bookings',
      roles: STAFF, scope: 'bookings:read',
      query: bookingsQuery,
      response: z.array(staffBookingSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listBookings(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'patch',
      path: '/api/bookings/:id',
      summary: 'Mark a started booking completed or no_show (staff)',
      tag: 'bookings',
      roles: STAFF, scope: 'bookings:write',
      params: bookingIdParams,
      body: markBookingBody,
      fields: sameForEveryField(markBookingBody, STAFF),
      response: bookingSchema,
      handler: async (ctx, { params, body }) => reply(ctx, await markBooking(deps, tenantAuth(ctx.state), params.id, body.status), { message: 'ok.saved' }),
    }),
    route({
      method: 'get',
      path: '/api/bookings/:id',
      summary: 'One booking (members: their own)',
      tag: 'bookings',
      roles: TENANT_USERS, scope: 'bookings:read',
      params: bookingIdParams,
      response: bookingDetailsSchema,
      handler: async (ctx, { params }) => reply(ctx, await getBooking(deps, tenantAuth(ctx.state), params.id)),
    }),
  ];
}
