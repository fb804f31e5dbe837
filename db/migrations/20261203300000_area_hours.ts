import type { Knex } from 'knex';
import { migrationConfig, runScript } from './sql.js';

/**
 * How many people were in each area over each completed hour (person-minutes / 60), the input of the
 * busy-hours forecast. Filled once per cluster by the forecast job, an hour at a time, inside each
 * gym's scope; the local date, hour and weekday are kept so a forecast reads the same hours of the
 * last weeks by index, never the visits themselves.
 */
export async function up(knex: Knex): Promise<void> {
  const { appRole } = migrationConfig(knex);
  await runScript(knex, `
    CREATE TABLE area_hours (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      gym_area_id uuid NOT NULL,
      hour_start timestamptz NOT NULL,
      local_date date NOT NULL,
      local_hour smallint NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
      people real NOT NULL CHECK (people >= 0),
      PRIMARY KEY (tenant_id, gym_area_id, hour_start),
      FOREIGN KEY (tenant_id, gym_area_id) REFERENCES gym_areas (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX area_hours_by_date ON area_hours (tenant_id, local_date);
    CREATE INDEX area_hours_latest ON area_hours (tenant_id, hour_start DESC);
    ALTER TABLE area_hours ENABLE ROW LEVEL SECURITY;
    ALTER TABLE area_hours FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON area_hours USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
    GRANT SELECT, INSERT, UPDATE, DELETE ON area_hours TO ${appRole};
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `DROP TABLE IF EXISTS area_hours;`);
}
