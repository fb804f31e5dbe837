/** The gym domain's routes (occupancy, slots, bookings, visits, workouts, and the admin resources). */
import type { AppDeps } from '../deps.js';
import type { AnyRoute } from '../http/route.js';
import { areasRoutes } from './areas/areas.routes.js';
import { bookingsRoutes } from './bookings/bookings.routes.js';
import { docsRoutes } from './docs/docs.routes.js';
import { forecastRoutes } from './forecast/forecast.routes.js';
import { gymStatusRoutes } from './gym-status/gym-status.routes.js';
import { membersRoutes } from './members/members.routes.js';
import { programsRoutes } from './programs/programs.routes.js';
import { slotsRoutes } from './slots/slots.routes.js';
import { visitsRoutes } from './visits/visits.routes.js';
import { waitlistRoutes } from './waitlist/waitlist.routes.js';
import { workoutsRoutes } from './workouts/workouts.routes.js';

export function gymDomainRoutes(deps: AppDeps): AnyRoute[] {
  return [
    ...gymStatusRoutes(deps),
    ...forecastRoutes(deps),
    ...slotsRoutes(deps),
    ...bookingsRoutes(deps),
    ...waitlistRoutes(deps),
    ...visitsRoutes(deps),
    ...workoutsRoutes(deps),
    ...areasRoutes(deps),
    ...programsRoutes(deps),
    ...membersRoutes(deps),
    ...docsRoutes(),
  ];
}
