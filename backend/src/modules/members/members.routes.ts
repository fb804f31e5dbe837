import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { revokeUserAccess } from '../auth/revocations.js';
import { STAFF, TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route, sameForEveryField } from '../../http/route.js';
import { memberBodies, memberCreatedSchema, memberIdParams, memberSchema, membersQuery } from '../../contracts/members.js';
import { newPassword } from '../auth/password-strength.js';
import { createMember, deactivateMember, getMember, liftBookingBlock, listMembers, updateMember, type MemberDeps } from './members.service.js';

// The shared bodies, with the server's check of how guessable a new password is.
const { create: createMemberBody, update: updateMemberBody } = memberBodies(newPassword);

export function membersRoutes(deps: AppDeps) {
  const mdeps = (): MemberDeps => ({
    uow: deps.uow,
    bcryptCost: deps.config.bcryptCost,
    revokeAccess: (scope, userId) => revokeUserAccess(deps, scope, userId),
  });
  return [
    route({
      method: 'get', path: '/api/members', summary: 'The people of the gym with their stats, paged (staff)', tag: 'members',
      roles: STAFF, scope: 'members:read', query: membersQuery, response: z.array(memberSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listMembers(mdeps(), tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'get', path: '/api/members/:id', summary: 'One person with stats (members: only themselves)', tag: 'members',
      roles: TENANT_USERS, scope: 'members:read', params: memberIdParams, response: memberSchema,
      handler: async (ctx, { params }) => reply(ctx, await getMember(mdeps(), tenantAuth(ctx.state), params.id)),
    }),
    route({
      method: 'post', path: '/api/members', summary: 'Add a person (owner; trainers add members; within the plan)', tag: 'members',
      roles: STAFF, body: createMemberBody, response: memberCreatedSchema, status: 201, idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201 }, (uow) => createMember({ ...mdeps(), uow }, auth, body));
      },
    }),
    route({
      method: 'patch', path: '/api/members/:id', summary: 'Change a person (owner; trainers: members, not their role)', tag: 'members',
      roles: STAFF, params: memberIdParams, body: updateMemberBody, response: memberSchema,
      // Deactivating (which also cancels bookings) and changing roles are the owner's, as DELETE is.
      fields: { ...sameForEveryField(updateMemberBody, STAFF), role: ['owner'], active: ['owner'] },
      handler: async (ctx, { params, body }) => reply(ctx, await updateMember(mdeps(), tenantAuth(ctx.state), params.id, body), { message: 'ok.saved' }),
    }),
    route({
      method: 'delete', path: '/api/members/:id', summary: 'Deactivate a person; history stays (owner)', tag: 'members',
      roles: ['owner'], params: memberIdParams, response: memberSchema,
      handler: async (ctx, { params }) => reply(ctx, await deactivateMember(mdeps(), tenantAuth(ctx.state), params.id), { message: 'ok.member_deactivated' }),
    }),
    route({
      method: 'post', path: '/api/members/:id/lift-block', summary: "Lift a member's booking block after no-shows (staff)", tag: 'members',
      roles: STAFF, params: memberIdParams, response: memberSchema,
      handler: async (ctx, { params }) => reply(ctx, await liftBookingBlock(mdeps(), tenantAuth(ctx.state), params.id), { message: 'ok.block_lifted' }),
    }),
  ];
}
