/**
 * Series read from the database when Prometheus scrapes, so that every worker of every node reports the
 * same figure whatever it served itself: people checked in now (the total, and the busiest gyms only, to
 * keep the label set small) and the latest migration applied (knex_migrations, not the files this build
 * carries). One read per scrape, shared by the series, with a time limit: a slow or restarting database
 * never stalls the scrape; the figures then read -1 (as the publisher lag does) or drop their labels.
 */
import client from 'prom-client';
import type { Knex } from 'knex';
import { registry } from './registry.js';

/** Gyms named in gymflow_people_present_top: the busiest ones only. */
export const TOP_GYMS = 5;
const READ_TIMEOUT_MS = 2000;

export interface DatabaseState {
  /** The total (gym null) and the busiest gyms. */
  people: Array<{ gym: string | null; people: number }> | null;
  /** The applied migrations, in order. */
  applied: string[] | null;
}

let source: (() => Promise<DatabaseState>) | undefined;
let known: readonly string[] = [];
let last: Promise<DatabaseState> | undefined;
let lastAt = 0;

const withTimeout = <T>(work: Promise<T>): Promise<T | null> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS);
    work.then(
      (value) => resolve(value),
      () => resolve(null),
    ).finally(() => clearTimeout(timer));
  });

const read = (): Promise<DatabaseState> | undefined => {
  if (!source) return undefined;
  if (!last || Date.now() - lastAt > 1000) {
    lastAt = Date.now();
    last = source();
  }
  return last;
};

export const peoplePresent = new client.Gauge({
  name: 'gymflow_people_present',
  help: 'People checked in now, over every gym (read from the database: the same on every worker; -1: unreadable)',
  registers: [registry],
  async collect() {
    const state = await read();
    if (state) this.set(state.people?.find((p) => p.gym === null)?.people ?? -1);
  },
});

export const peoplePresentTop = new client.Gauge({
  name: 'gymflow_people_present_top',
  help: `People checked in now in the ${TOP_GYMS} busiest gyms, by gym subdomain (read from the database)`,
  labelNames: ['gym'] as const,
  registers: [registry],
  async collect() {
    const people = (await read())?.people ?? [];
    this.reset();
    for (const p of people) if (p.gym !== null) this.set({ gym: p.gym }, p.people);
  },
});

export const latestMigration = new client.Gauge({
  name: 'gymflow_db_migration_info',
  help: 'Always 1; the label names the latest migration applied to the database (knex_migrations)',
  labelNames: ['name'] as const,
  registers: [registry],
  async collect() {
    const applied = (await read())?.applied;
    this.reset();
    if (applied?.length) this.set({ name: applied.at(-1)! }, 1);
  },
});

export const pendingMigrations = new client.Gauge({
  name: 'gymflow_db_migrations_pending',
  help: 'Migrations of this build not applied to the database (readiness answers 503 while above 0; -1: unreadable)',
  registers: [registry],
  async collect() {
    const state = await read();
    if (state) this.set(state.applied ? known.filter((name) => !state.applied!.includes(name)).length : -1);
  },
});

/** Where the series read the database: the app's knex, and this build's migration names. */
export function watchDatabaseState(knex: Knex, migrations: readonly string[]): void {
  known = migrations;
  last = undefined;
  source = async () => {
    const [people, applied] = await Promise.all([
      withTimeout(
        knex.raw('select gym, people from people_present(?)', [TOP_GYMS]).then((r: { rows: Array<{ gym: string | null; people: number }> }) =>
          r.rows.map((row) => ({ gym: row.gym, people: row.people })),
        ),
      ),
      withTimeout(knex('knex_migrations').orderBy('id').pluck('name') as Promise<string[]>),
    ]);
    return { people, applied };
  };
}
