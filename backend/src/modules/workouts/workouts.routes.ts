import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { TENANT_USERS, tenantAuth } from '../../http/auth-context.js';
import { forbidden } from '../../http/errors.js';
import { reply } from '../../http/envelope.js';
import { replyIdempotent } from '../../http/idempotency.js';
import { replyPage } from '../../http/paging.js';
import { route } from '../../http/route.js';
import { completeWorkoutBody, sessionSchema, sessionStartedSchema, startWorkoutBody, statsSchema, workoutsQuery } from '../../contracts/workouts.js';
import { completeWorkout, listSessions, startWorkout, userStats } from './workouts.service.js';

export function workoutsRoutes(deps: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/api/start-workout',
      summary: 'Start a workout from a program; checks the member into the area (409 area_full, workout_active)',
      tag: 'workouts',
      roles: TENANT_USERS,
      body: startWorkoutBody,
      response: sessionStartedSchema,
      status: 201,
      idempotent: true,
      handler: async (ctx, { body }) => {
        const auth = tenantAuth(ctx.state);
        await replyIdempotent(ctx, deps.uow, { status: 201, message: 'ok.workout_started' }, (uow) => startWorkout({ uow }, auth, body));
      },
    }),
    route({
      method: 'post',
      path: '/api/complete-workout',
      summary: 'Complete a workout: checks out and updates the stats (calories from the program when absent)',
      tag: 'workouts',
      roles: TENANT_USERS,
      body: completeWorkoutBody,
      response: sessionSchema,
      handler: async (ctx, { body }) => reply(ctx, await completeWorkout(deps, tenantAuth(ctx.state), body), { message: 'ok.workout_completed' }),
    }),
    route({
      method: 'get',
      path: '/api/workouts',
      summary: "The caller's workout sessions, latest first (staff: ?user_id= for a member's)",
      tag: 'workouts',
      roles: TENANT_USERS,
      query: workoutsQuery,
      response: z.array(sessionSchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listSessions(deps, tenantAuth(ctx.state), query)),
    }),
    route({
      method: 'get',
      path: '/api/user-stats',
      summary: "The caller's stats: workouts, minutes, calories, streak",
      tag: 'workouts',
      roles: TENANT_USERS,
      response: statsSchema,
      handler: async (ctx) => {
        const auth = tenantAuth(ctx.state);
        if (!auth.userId) throw forbidden();
        reply(ctx, await userStats(deps, auth, auth.userId));
      },
    }),
  ];
}
