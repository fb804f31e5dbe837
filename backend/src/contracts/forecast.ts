/** How busy each area is expected to be, hour by hour, on a local day; from the visit history. */
import { z } from 'zod';
import { closingClockSchema, clockSchema, instantSchema, localDateSchema } from './common.js';

export const forecastQuery = z.object({
  date: localDateSchema.optional().meta({ description: "The gym's local date; default today" }),
});

export const hourForecastSchema = z.object({
  hour: z.string().regex(/^(?:[01]\d|2[0-3]):00$/).meta({ description: 'Local clock hour, "HH:00" (a fall-back day lists one hour twice)' }),
  starts_at: instantSchema,
  expected: z.number().meta({ description: 'People expected in the area over the hour' }),
  low: z.number().meta({ description: '10th percentile' }),
  high: z.number().meta({ description: '90th percentile' }),
  open: z.boolean(),
  observed: z.number().nullable().meta({ description: 'People measured over the hour, once it has ended' }),
});
export type HourForecast = z.infer<typeof hourForecastSchema>;

export const areaForecastSchema = z
  .object({
    area_id: z.uuid(),
    date: z.iso.date(),
    timezone: z.string(),
    hours: z.array(hourForecastSchema).meta({ description: 'Empty when the area has no history yet' }),
    quietest: z.array(z.object({ start: clockSchema, end: closingClockSchema })),
  })
  .meta({ id: 'AreaForecast' });
export type AreaForecast = z.infer<typeof areaForecastSchema>;
