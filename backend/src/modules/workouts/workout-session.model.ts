import type { SESSION_STATUSES } from '../../contracts/workouts.js';
import { TenantModel } from '../../db/model.js';
import { Program } from '../programs/program.model.js';
import { User } from '../members/user.model.js';

export type WorkoutStatus = (typeof SESSION_STATUSES)[number];

/** A member's workout: one program, optionally in an area (where it also counts as a visit). */
export class WorkoutSession extends TenantModel {
  static override tableName = 'workout_sessions';

  declare id: string;
  declare user_id: string;
  declare program_id: string;
  declare gym_area_id: string | null;
  declare start_time: Date;
  declare end_time: Date | null;
  declare calories: number | null;
  declare status: WorkoutStatus;

  declare program?: Program;
  declare user?: User;

  static override relationMappings = () => ({
    program: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: Program,
      join: { from: ['workout_sessions.tenant_id', 'workout_sessions.program_id'], to: ['workout_programs.tenant_id', 'workout_programs.id'] },
    },
    user: {
      relation: TenantModel.BelongsToOneRelation,
      modelClass: User,
      join: { from: ['workout_sessions.tenant_id', 'workout_sessions.user_id'], to: ['users.tenant_id', 'users.id'] },
    },
  });
}
