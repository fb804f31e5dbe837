/** What a gym (a tenant) is on the platform: its plan, its subscription and its settings. */
import { z } from 'zod';
import { localeSchema, openingHoursSchema } from './common.js';
import { bookingRulesSchema, type BookingRules } from './booking-rules.js';

export const PLANS = ['trial', 'basic', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'canceled', 'suspended'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** An IANA time zone the runtime knows (Intl is what every date computation here relies on). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timezoneSchema = z.string().min(1).max(64).refine(isTimeZone, { error: 'field.timezone' }).meta({ example: 'Europe/Athens' });

export const tenantSettingsSchema = z
  .object({
    locale: localeSchema.meta({ description: "The gym's language: new members' default" }),
    timezone: timezoneSchema.meta({ description: 'Dates and clock times in the API are local to it' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'field.currency').meta({ example: 'EUR' }),
    opening_hours: openingHoursSchema.meta({ description: "The gym's hours; an area may have its own" }),
    booking_rules: bookingRulesSchema.meta({ description: 'Booking rules; a change is merged rule by rule' }),
  })
  .strict()
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/** Settings as stored: gyms made before a rule existed have none of it (bookingRulesOf fills the defaults). */
export type StoredTenantSettings = Omit<TenantSettings, 'booking_rules'> & { booking_rules?: Partial<BookingRules> };
