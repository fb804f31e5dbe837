import type { BookingStatus } from '../../contracts/bookings.js';
import { TenantModel } from '../../db/model.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';

export type { BookingStatus };

/**
 * A booked place in an area. Rows are written only by the database functions `book_room()` and the
 * waitlist's (db/migrations/*_book_room.ts, *_waitlists.ts), which take the place under the slot's lock
 * (take_place()); models read and cancel.
 */
export class Booking extends TenantModel {
  static override tableName = 'bookings';

  declare id: string;
  declare user_id: string;
  declare gym_area_id: string;
  /** The tenant's local date, 'YYYY-MM-DD'. */
  declare booking_date: string;
  /** The tenant's local clock time, 'HH:MM:SS'. */
  declare start_time: string;
  declare duration: number;
  declare starts_at: Date;
  declare ends_at: Date;
  declare place: number;
  declare trainer: string | null;
  declare trainer_id: string | null;
  /** Integer cents (contracts/money.ts), computed by the server. */
  declare price_cents: number;
  declare status: BookingStatus;
  declare created_at: Date;
  declare cancelled_at: Date | null;

  declare area?: Area;
  declare user?: User;

  static override relationMappings = () => ({
    area: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: Area,
      join: { from: ['bookings.tenant_id', 'bookings.gym_area_id'], to: ['gym_areas.tenant_id', 'gym_areas.id'] },
    },
    user: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: User,
      join: { from: ['bookings.tenant_id', 'bookings.user_id'], to: ['users.tenant_id', 'users.id'] },
    },
  });
}
