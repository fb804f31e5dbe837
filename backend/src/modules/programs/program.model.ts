import type { Difficulty } from '../../contracts/programs.js';
import { TenantModel } from '../../db/model.js';

/** A workout program of the gym: its exercises (a JSON array), length and energy use. */
export class Program extends TenantModel {
  static override tableName = 'workout_programs';
  static override jsonAttributes = ['exercises'];

  declare id: string;
  declare name_en: string;
  declare name_el: string;
  declare difficulty: Difficulty;
  declare exercises: unknown[];
  declare est_minutes: number;
  declare kcal_per_hour: number;
  declare created_at: Date;
}
