import { TenantModel } from '../../db/model.js';
import { Booking } from '../bookings/booking.model.js';
import { Visit } from '../visits/visit.model.js';
import type { OpeningHours } from '../slots/slot-grid.js';

/** A gym area: its size, who is in it now, and what booking it takes. */
export class Area extends TenantModel {
  static override tableName = 'gym_areas';
  static override jsonAttributes = ['opening_hours'];

  declare id: string;
  declare name_en: string;
  declare name_el: string;
  declare capacity: number;
  declare current_users: number;
  declare is_bookable: boolean;
  declare booking_capacity: number;
  declare slot_minutes: number;
  /** Integer cents (contracts/money.ts); the API shows the decimal amount. */
  declare price_per_hour_cents: number;
  declare opening_hours: OpeningHours | null;
  /** The longest booking here, below the gym's rule; null: the gym's rule. */
  declare max_booking_minutes: number | null;
  declare created_at: Date;

  declare bookings?: Booking[];
  declare visits?: Visit[];

  static override relationMappings = () => ({
    bookings: { relation: TenantModel.HasManyRelation, modelClass: Booking, join: { from: ['gym_areas.tenant_id', 'gym_areas.id'], to: ['bookings.tenant_id', 'bookings.gym_area_id'] } },
    visits: { relation: TenantModel.HasManyRelation, modelClass: Visit, join: { from: ['gym_areas.tenant_id', 'gym_areas.id'], to: ['visits.tenant_id', 'visits.gym_area_id'] } },
  });
}
