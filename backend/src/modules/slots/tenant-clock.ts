/**
 * The tenant's clock and calendar: its IANA time zone and opening hours (and the currency its prices
 * are in), read inside the caller's transaction (row-level security shows a tenant scope its own gym only).
 */
import type { Knex } from 'knex';
import { currencyOf } from '../../contracts/money.js';
import { scopedQuery } from '../../db/model.js';
import { Tenant } from '../tenants/tenant.model.js';
import { isValidZone, type OpeningHours } from './slot-grid.js';

export interface TenantCalendar {
  zone: string;
  openingHours: OpeningHours | null;
  /** ISO 4217 code, shown next to every amount the API answers. */
  currency: string;
}

export async function tenantCalendar(trx: Knex.Transaction, tenantId: string): Promise<TenantCalendar> {
  const row = await scopedQuery(Tenant, trx).select('settings').findById(tenantId);
  return calendarOf(row?.settings);
}

/** The calendar in a tenant's settings (for queries that read them along with other rows). */
export function calendarOf(settings: Record<string, unknown> = {}): TenantCalendar {
  return {
    zone: isValidZone(settings.timezone) ? settings.timezone : 'UTC',
    openingHours: (settings.opening_hours as OpeningHours | undefined) ?? null,
    currency: currencyOf(settings),
  };
}

/** A clock the services read; tests may pass a fixed one. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
