/** The shapes docs/shapes.md describes, in the order it describes them. */
import type { ZodType } from 'zod';
import { areaSchema } from '../backend/src/contracts/areas.js';
import { auditEntrySchema } from '../backend/src/contracts/audit.js';
import { authUserSchema, tenantSummarySchema, tokenPairSchema, webMeSchema } from '../backend/src/contracts/auth.js';
import { openingHoursSchema } from '../backend/src/contracts/common.js';
import { apiKeySchema, newApiKeySchema } from '../backend/src/contracts/api-keys.js';
import { displayTokenSchema, newDisplayTokenSchema } from '../backend/src/contracts/display-tokens.js';
import { areaForecastSchema } from '../backend/src/contracts/forecast.js';
import { tenantSettingsSchema } from '../backend/src/contracts/gym.js';
import { areaStatusSchema, gymStatusSchema, historySchema } from '../backend/src/contracts/gym-status.js';
import { bookingDetailsSchema, bookingSchema, staffBookingSchema } from '../backend/src/contracts/bookings.js';
import { memberSchema } from '../backend/src/contracts/members.js';
import { exerciseSchema, programSchema } from '../backend/src/contracts/programs.js';
import { slotGridSchema, slotSchema } from '../backend/src/contracts/slots.js';
import { platformTenantSchema, tenantSchema } from '../backend/src/contracts/tenants.js';
import { visitLogEntrySchema, visitSchema } from '../backend/src/contracts/visits.js';
import { sessionSchema, statsSchema } from '../backend/src/contracts/workouts.js';
import { waitlistEntrySchema, waitlistQueueSchema } from '../backend/src/contracts/waitlist.js';
import { bookingRulesSchema } from '../backend/src/contracts/booking-rules.js';
import { webhookDeliverySchema, webhookEndpointSchema, webhookRecoverSchema, webhookWithSecretSchema } from '../backend/src/contracts/webhooks.js';

export interface Shape {
  name: string;
  about: string;
  schema: ZodType;
  /** Described as this shape plus its own fields. */
  base?: { name: string; schema: ZodType };
}

const booking = { name: 'Booking', schema: bookingSchema };
const bookingDetails = { name: 'BookingDetails', schema: bookingDetailsSchema };
const visit = { name: 'Visit', schema: visitSchema };
const displayToken = { name: 'DisplayToken', schema: displayTokenSchema };
const apiKey = { name: 'ApiKey', schema: apiKeySchema };
const webhookEndpoint = { name: 'WebhookEndpoint', schema: webhookEndpointSchema };

/** docs/shapes.md: what signing in, the live view, booking, visits and workouts answer. */
export const SHAPES: Shape[] = [
  { name: 'TokenPair', about: 'The answer of a token sign-in or refresh.', schema: tokenPairSchema },
  { name: 'AuthUser', about: 'A person as every sign-in answer shows them.', schema: authUserSchema },
  { name: 'TenantSummary', about: 'The caller\'s own gym, as the sign-in answers show it.', schema: tenantSummarySchema },
  { name: 'WebSession', about: 'Who is signed in with the web session, with the CSRF token.', schema: webMeSchema },
  { name: 'GymStatus', about: 'The live occupancy of every area.', schema: gymStatusSchema },
  { name: 'AreaStatus', about: 'One area in the live status.', schema: areaStatusSchema },
  { name: 'OccupancyHistory', about: 'People in each area over a local day, for charts.', schema: historySchema },
  { name: 'AreaForecast', about: 'How busy an area is expected to be, hour by hour.', schema: areaForecastSchema },
  { name: 'SlotGrid', about: 'An area\'s slots on one local day.', schema: slotGridSchema },
  { name: 'Slot', about: 'One slot of the grid.', schema: slotSchema },
  { ...booking, about: 'A booking, as booking, cancelling and marking answer it.' },
  { ...bookingDetails, about: 'A booking in lists and alone.', base: booking },
  { name: 'StaffBooking', about: 'A booking in the staff\'s list of the gym\'s bookings.', schema: staffBookingSchema, base: bookingDetails },
  { name: 'WaitlistEntry', about: 'A place in the line of a full slot, with its offer while one is open.', schema: waitlistEntrySchema },
  { name: 'WaitlistQueue', about: 'One slot\'s line as staff see it.', schema: waitlistQueueSchema },
  { ...visit, about: 'A visit (someone in an area), as check-in and check-out answer it.' },
  { name: 'VisitLogEntry', about: 'A visit in the log.', schema: visitLogEntrySchema, base: visit },
  { name: 'WorkoutSession', about: 'A workout.', schema: sessionSchema },
  { name: 'UserStats', about: 'A person\'s workout stats.', schema: statsSchema },
];

/** docs/shapes-admin.md: what the gym's resources, its settings and the platform answer. */
export const ADMIN_SHAPES: Shape[] = [
  { name: 'TenantSettings', about: 'A gym\'s settings.', schema: tenantSettingsSchema },
  { name: 'BookingRules', about: 'The gym\'s booking rules (docs/http-api.md).', schema: bookingRulesSchema },
  { name: 'OpeningHours', about: 'Opening hours per weekday; a missing or `null` day is closed.', schema: openingHoursSchema },
  { name: 'Tenant', about: 'A gym as its people and screens see it.', schema: tenantSchema },
  { name: 'Area', about: 'An area of the gym, with how it is booked.', schema: areaSchema },
  { name: 'WorkoutProgram', about: 'A workout program.', schema: programSchema },
  { name: 'Exercise', about: 'One exercise of a program: `reps` or `seconds`, never both.', schema: exerciseSchema },
  { name: 'Member', about: 'A person of the gym, with their stats.', schema: memberSchema },
  { ...displayToken, about: 'A wall screen\'s token, without its secret.' },
  { name: 'NewDisplayToken', about: 'The answer of creating a display token: the only time its secret is shown.', schema: newDisplayTokenSchema, base: displayToken },
  { ...apiKey, about: "An integrator's API key, without its secret: its scopes, whether it works now (`state`) and its last use." },
  { name: 'NewApiKey', about: 'The answer of creating an API key: the only time its secret `key` is shown.', schema: newApiKeySchema, base: apiKey },
  { name: 'AuditEntry', about: 'One entry of the audit log.', schema: auditEntrySchema },
  { ...webhookEndpoint, about: 'An integrator\'s endpoint for the gym\'s events, with its cursor and state, without its secret.' },
  { name: 'WebhookEndpointWithSecret', about: 'The answer of creating an endpoint or rotating its secret: the only time the secret is shown.', schema: webhookWithSecretSchema, base: webhookEndpoint },
  { name: 'WebhookDelivery', about: 'One attempt to deliver an event (or a test) to an endpoint.', schema: webhookDeliverySchema },
  { name: 'WebhookRecovery', about: 'The answer of a recovery: from which seq, up to the gym\'s last event.', schema: webhookRecoverSchema },
  { name: 'PlatformTenant', about: 'A gym as the platform admin sees it: subscription and counts, never its people.', schema: platformTenantSchema },
];

/** The generated pages, by file name under docs/. */
export const PAGES = {
  'shapes.md': { title: 'Shapes: signing in, the live view, bookings, visits, workouts', shapes: SHAPES },
  'shapes-admin.md': { title: "Shapes: the gym's resources, its settings, the platform", shapes: ADMIN_SHAPES },
} as const;
