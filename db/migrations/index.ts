import type { Knex } from 'knex';
import * as schema from './20261125000100_schema.js';
import * as eventSweep from './20261125001000_event_sweep.js';
import * as eventSequencing from './20261125002000_event_sequencing.js';
import * as bookPlace from './20261125003000_book_place.js';
import * as publishedWatermark from './20261125004000_published_watermark.js';
import * as migrationsReadable from './20261202110000_migrations_readable.js';
import * as usernamesCi from './20261202130000_usernames_case_insensitive.js';
import * as auditLog from './20261202131000_audit_log.js';
import * as revocations from './20261202140000_revocations.js';
import * as platformTablesRls from './20261202150000_platform_tables_rls.js';
import * as peoplePresent from './20261202160000_people_present.js';
import * as moneyInCents from './20261203100000_money_in_cents.js';
import * as tenantKeys from './20261203110000_tenant_keys.js';
import * as areaHours from './20261203300000_area_hours.js';
import * as bookPlaceByDate from './20261203400000_book_place_by_date.js';
import * as bookingRules from './20261204010000_booking_rules.js';
import * as waitlists from './20261204011000_waitlists.js';
import * as apiKeys from './20261204020000_api_keys.js';
import * as webhooks from './20261204030000_webhooks.js';
import * as webhookSteps from './20261204040000_webhook_steps.js';
import * as memberDayIndex from './20261205000000_member_day_index.js';
import * as bookRoom from './20261205010000_book_room.js';

/** Every migration in order. Listed here (not discovered on disk) so the same list runs from TS and the build. */
export const migrations: ReadonlyArray<{ name: string; up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }> = [
  { name: '20261125000100_schema', ...schema },
  { name: '20261125001000_event_sweep', ...eventSweep },
  { name: '20261125002000_event_sequencing', ...eventSequencing },
  { name: '20261125003000_book_place', ...bookPlace },
  { name: '20261125004000_published_watermark', ...publishedWatermark },
  { name: '20261202110000_migrations_readable', ...migrationsReadable },
  { name: '20261202130000_usernames_case_insensitive', ...usernamesCi },
  { name: '20261202131000_audit_log', ...auditLog },
  { name: '20261202140000_revocations', ...revocations },
  { name: '20261202150000_platform_tables_rls', ...platformTablesRls },
  { name: '20261202160000_people_present', ...peoplePresent },
  { name: '20261203100000_money_in_cents', ...moneyInCents },
  { name: '20261203110000_tenant_keys', ...tenantKeys },
  { name: '20261203300000_area_hours', ...areaHours },
  { name: '20261203400000_book_place_by_date', ...bookPlaceByDate },
  { name: '20261204010000_booking_rules', ...bookingRules },
  { name: '20261204011000_waitlists', ...waitlists },
  { name: '20261204020000_api_keys', ...apiKeys },
  { name: '20261204030000_webhooks', ...webhooks },
  { name: '20261204040000_webhook_steps', ...webhookSteps },
  { name: '20261205000000_member_day_index', ...memberDayIndex },
  { name: '20261205010000_book_room', ...bookRoom },
];
