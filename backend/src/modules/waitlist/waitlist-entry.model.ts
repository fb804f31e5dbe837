import type { WaitlistStatus } from '../../contracts/waitlist.js';
import { TenantModel } from '../../db/model.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';

/**
 * A member's place in the line of one full slot. Rows are written by the database functions of
 * db/migrations/*_waitlists.ts, which hand out positions and offers under the slot's lock.
 */
export class WaitlistEntry extends TenantModel {
  static override tableName = 'waitlist_entries';

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
  declare price_cents: number;
  /** The entry's ticket in its slot's line: lower is earlier. */
  declare position: number;
  declare status: WaitlistStatus;
  declare offered_at: Date | null;
  declare hold_until: Date | null;
  declare booking_id: string | null;
  declare created_at: Date;
  declare closed_at: Date | null;

  declare area?: Area;
  declare user?: User;

  static override relationMappings = () => ({
    area: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: Area,
      join: { from: ['waitlist_entries.tenant_id', 'waitlist_entries.gym_area_id'], to: ['gym_areas.tenant_id', 'gym_areas.id'] },
    },
    user: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: User,
      join: { from: ['waitlist_entries.tenant_id', 'waitlist_entries.user_id'], to: ['users.tenant_id', 'users.id'] },
    },
  });
}
