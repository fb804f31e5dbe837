import { TenantModel } from '../../db/model.js';

/** People in one area over one completed hour (an average: person-minutes / 60). */
export class AreaHour extends TenantModel {
  static override tableName = 'area_hours';
  static override idColumn = ['tenant_id', 'gym_area_id', 'hour_start'];

  declare gym_area_id: string;
  declare hour_start: Date;
  /** The gym's local date and hour the hour belongs to. */
  declare local_date: string;
  declare local_hour: number;
  declare people: number;
}
