/**
 * The envelope as zod schemas: the OpenAPI document describes every answer with them, and the API tests
 * check every real answer against them. Apart from envelope.ts so that the web app, which needs only
 * the codes at run time, does not load zod for them.
 */
import { z, type ZodType } from 'zod';
import { ERROR_CODES } from './envelope.js';

const message = z.string().meta({ description: "In the caller's language (en or el)" });
const timestamp = z.iso.datetime().meta({ description: 'When the answer was made' });

/** `data` of a failed answer. */
export const errorDataSchema = z.object({
  code: z.enum(ERROR_CODES).meta({ description: 'Stable; clients switch on it, never on the message' }),
  details: z.unknown().optional().meta({ description: 'Per code: the field problems of invalid_input, the field of a conflict, …' }),
});

export const errorEnvelopeSchema = z
  .object({ success: z.literal(false), message, data: errorDataSchema, timestamp })
  .meta({ id: 'ErrorEnvelope' });

/** The envelope of a successful answer around its `data`. */
export function successEnvelopeSchema<T extends ZodType>(data: T) {
  return z.object({ success: z.literal(true), message, data, timestamp });
}
