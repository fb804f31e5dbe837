/** Busy hours (GET /api/forecast, GET /api/areas/:id/forecast): shared by the server and the screens. */
import { z } from 'zod';
import { localDateSchema } from '../modules/slots/slots.schema.js';

export const forecastQuery = z.object({
  date: localDateSchema.optional().meta({ description: "The gym's local date; default today" }),
});

const hourSchema = z.object({
  hour: z.string().meta({ description: 'Local clock hour, "HH:00" (a fall-back day lists one hour twice)' }),
  starts_at: z.string().meta({ format: 'date-time' }),
  expected: z.number().meta({ description: 'People expected in the area over the hour' }),
  low: z.number().meta({ description: '10th percentile' }),
  high: z.number().meta({ description: '90th percentile' }),
  open: z.boolean(),
  observed: z.number().nullable().meta({ description: 'People measured over the hour, once it has ended' }),
});

export const areaForecastSchema = z.object({
  area_id: z.uuid(),
  date: z.string(),
  timezone: z.string(),
  /** Empty when the area has no history yet. */
  hours: z.array(hourSchema),
  quietest: z.array(z.object({ start: z.string(), end: z.string() })),
}).meta({ id: 'AreaForecast' });

export type AreaForecastView = z.infer<typeof areaForecastSchema>;
export type HourForecastView = z.infer<typeof hourSchema>;
