import type { VisitSource } from '../../contracts/visits.js';
import { TenantModel } from '../../db/model.js';
import { Area } from '../areas/area.model.js';
import { User } from '../members/user.model.js';


/** A person's time in an area: open while `checked_out_at` is null (at most one open visit per person). */
export class Visit extends TenantModel {
  static override tableName = 'visits';

  declare id: string;
  declare user_id: string;
  declare gym_area_id: string;
  declare checked_in_at: Date;
  declare checked_out_at: Date | null;
  declare source: VisitSource;

  declare area?: Area;
  declare user?: User;

  static override relationMappings = () => ({
    area: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: Area,
      join: { from: ['visits.tenant_id', 'visits.gym_area_id'], to: ['gym_areas.tenant_id', 'gym_areas.id'] },
    },
    user: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: User,
      join: { from: ['visits.tenant_id', 'visits.user_id'], to: ['users.tenant_id', 'users.id'] },
    },
  });
}
