/** Workout programs: every person of the gym reads them, staff manage them. */
import type { TenantAuth } from '../../http/auth-context.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { conflict, notFound } from '../../http/errors.js';
import type { Page } from '../../http/paging.js';
import { WorkoutSession } from '../workouts/workout-session.model.js';
import { Program } from './program.model.js';
import type { CreateProgramInput, Exercise, Program as ProgramView, ProgramsQuery, UpdateProgramInput } from '../../contracts/programs.js';

const COLUMNS = ['id', 'name_en', 'name_el', 'difficulty', 'exercises', 'est_minutes', 'kcal_per_hour', 'created_at'];

const view = (row: Program): ProgramView => ({
  id: row.id,
  name_en: row.name_en,
  name_el: row.name_el,
  difficulty: row.difficulty,
  exercises: row.exercises as Exercise[],
  est_minutes: row.est_minutes,
  kcal_per_hour: row.kcal_per_hour,
  created_at: new Date(row.created_at).toISOString(),
});

type Deps = { uow: UnitOfWork };

export function listPrograms(deps: Deps, auth: TenantAuth, query: ProgramsQuery): Promise<Page<ProgramView>> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const q = scope.query(Program).select(COLUMNS);
    if (query.difficulty) q.where({ difficulty: query.difficulty });
    const page = await q.keysetPage(query, { column: 'name_en', type: 'text', direction: 'asc' });
    return { items: page.items.map(view), next: page.next };
  });
}

export function getProgram(deps: Deps, auth: TenantAuth, id: string): Promise<ProgramView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const row = await scope.query(Program).select(COLUMNS).findById(id);
    if (!row) throw notFound();
    return view(row);
  });
}

export function createProgram(deps: Deps, auth: TenantAuth, input: CreateProgramInput): Promise<{ program: ProgramView }> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const row = await scope.query(Program).insert(input).returning(COLUMNS);
    return { program: view(row) };
  });
}

export function updateProgram(deps: Deps, auth: TenantAuth, id: string, input: UpdateProgramInput): Promise<ProgramView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const [row] = await scope.query(Program).where({ id }).patch(input).returning(COLUMNS);
    if (!row) throw notFound();
    return view(row);
  });
}

/** A program with workout history would take that history with it (cascade): refused with 409. */
export function deleteProgram(deps: Deps, auth: TenantAuth, id: string): Promise<ProgramView> {
  return deps.uow.inTenant(auth.tenantId, async (scope) => {
    const row = await scope.query(Program).select(COLUMNS).forUpdate().findById(id);
    if (!row) throw notFound();
    const used = await scope.query(WorkoutSession).select('id').where({ program_id: id }).first();
    if (used) throw conflict('conflict', { reason: 'program_has_sessions' });
    await scope.query(Program).deleteById(id);
    return view(row);
  });
}
