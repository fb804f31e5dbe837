/** The envelope every JSON response travels in (docs/http-api.md); its zod schemas are in envelope-schema.ts. */
import type { z } from 'zod';
import type { errorDataSchema } from './envelope-schema.js';

export interface Envelope<T = unknown> {
  success: boolean;
  message: string;
  data: T;
  timestamp: string;
}

/** `data` of a failed response. */
export type ErrorData = z.infer<typeof errorDataSchema>;

/** Stable, snake_case error codes; clients switch on these, never on messages. */
export const ERROR_CODES = [
  'invalid_input',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'unauthorized',
  'invalid_credentials',
  'token_expired',
  'token_reused',
  'api_key_expired',
  'forbidden',
  'csrf_failed',
  'insufficient_scope',
  'tenant_mismatch',
  'tenant_suspended',
  'not_found',
  'conflict',
  'slot_unavailable',
  'area_full',
  'already_checked_in',
  'not_checked_in',
  'workout_active',
  'already_exists',
  'idempotency_conflict',
  'idempotency_in_progress',
  'price_mismatch',
  'slot_in_past',
  'outside_opening_hours',
  'area_not_bookable',
  'plan_limit_reached',
  'booking_limit_reached',
  'too_far_ahead',
  'too_long',
  'booking_blocked',
  'slot_available',
  'offer_unavailable',
  'unprocessable',
  'rate_limited',
  'service_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
