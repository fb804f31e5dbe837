/**
 * The building blocks of the API's shapes: local dates and clock times (always the gym's time zone),
 * instants, opening hours and list paging. Every request, answer and event schema is made of these.
 */
import { z } from 'zod';
import { LOCALES } from './i18n.js';
import { isCentsAmount } from './money.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** A closing time may be '24:00': midnight at the end of the day. */
export const CLOSING_CLOCK = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A uuid in its text form, either case (PostgreSQL reads both the same). */
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/** A calendar date that exists (2026-02-30 does not). */
export function isValidDate(date: string): boolean {
  if (!ISO_DATE.test(date)) return false;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** A calendar date in the gym's time zone. */
export const localDateSchema = z
  .string()
  .refine(isValidDate, 'Expected an existing date YYYY-MM-DD')
  .meta({ format: 'date', example: '2027-03-28' });
/** A local clock time. */
export const clockSchema = z.string().regex(CLOCK, 'Expected HH:MM').meta({ example: '18:00' });
/** A local clock time that may be the midnight ending a day. */
export const closingClockSchema = z.string().regex(CLOSING_CLOCK, "Expected HH:MM or '24:00'").meta({ example: '22:00' });
/** An instant, as ISO 8601 with its offset (the server sends UTC, `Z`). */
export const instantSchema = z.iso.datetime({ offset: true });

const dayHoursSchema = z
  .object({ open: clockSchema, close: closingClockSchema })
  .strict()
  .refine((d) => d.close > d.open, { error: 'field.close_after_open', path: ['close'] });
export type DayHours = z.infer<typeof dayHoursSchema>;

/** Per weekday; a missing or null day is closed. */
export const openingHoursSchema = z
  .object(
    Object.fromEntries(WEEKDAYS.map((d) => [d, dayHoursSchema.nullable().optional()])) as Record<
      Weekday,
      z.ZodOptional<z.ZodNullable<typeof dayHoursSchema>>
    >,
  )
  .strict()
  .meta({ id: 'OpeningHours', description: 'Local opening hours per weekday (mon..sun); a missing or null day is closed' });
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** `?limit=&cursor=` of every list; the next page is announced in a `Link: <…>; rel="next"` header. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1-200, default 50).' }),
  cursor: z.string().max(512).optional().meta({ description: "Opaque cursor from the previous page's Link header." }),
});
export type PageQuery = z.infer<typeof pageQuery>;

/** `:id` of a resource. */
export const idParams = z.object({ id: z.uuid() });

/** A query flag: `true` or `false`. */
export const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const localeSchema = z.enum(LOCALES);

/** An amount of money as the API shows it: a decimal number of whole cents (contracts/money.ts), in the gym's currency. */
export const amountSchema = z
  .number()
  .min(0)
  .refine(isCentsAmount, 'field.cents')
  .meta({ description: "Decimal amount in the gym's currency, two digits at most", example: 12.5 });
/** The gym's currency, which every amount of an answer is in. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/).meta({ description: "ISO 4217 code of the gym's currency", example: 'EUR' });

/** The `data` of answers that carry nothing: the message says what happened. */
export const noDataSchema = z.null();
