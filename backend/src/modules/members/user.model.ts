import type { Role } from '../../contracts/auth.js';
import type { Locale } from '../../contracts/i18n.js';
import { BaseModel, TenantModel } from '../../db/model.js';
import { Visit } from '../visits/visit.model.js';
import { Booking } from '../bookings/booking.model.js';

/** A person's role: every role but the wall display's, which is a token, not a person. */
export type PersonRole = Exclude<Role, 'display'>;

/** A person: a gym's member or staff, or (tenant_id null, seen only in the platform scope) a platform admin. */
export class User extends BaseModel {
  static override tableName = 'users';
  static override tenantScoped = true;

  declare id: string;
  declare tenant_id: string | null;
  declare username: string;
  declare password_hash: string;
  declare role: PersonRole;
  declare email: string | null;
  declare full_name: string | null;
  declare member_id: string | null;
  declare locale: Locale;
  declare active: boolean;
  declare workouts_completed: number;
  declare total_minutes: number;
  declare total_calories: number;
  declare current_streak: number;
  declare last_workout_date: string | null;
  /** Tokens and sessions issued before this instant are no longer accepted. */
  declare tokens_valid_after: Date | null;
  /** Booking is refused until this instant (the no-show rule, modules/bookings/booking-rules.ts). */
  declare booking_blocked_until: Date | null;
  /** When staff last lifted a block: no-shows before it no longer count. */
  declare booking_block_lifted_at: Date | null;
  declare created_at: Date;

  declare visits?: Visit[];
  declare bookings?: Booking[];

  static override relationMappings = () => ({
    visits: { relation: TenantModel.HasManyRelation, modelClass: Visit, join: { from: ['users.tenant_id', 'users.id'], to: ['visits.tenant_id', 'visits.user_id'] } },
    bookings: { relation: TenantModel.HasManyRelation, modelClass: Booking, join: { from: ['users.tenant_id', 'users.id'], to: ['bookings.tenant_id', 'bookings.user_id'] } },
  });
}
