/** `npm run seed`: adds the demo data (idempotent) to the configured database. */
import { loadDatabaseConfig } from '../backend/src/config.js';
import { openDatabase } from '../backend/src/db/database.js';
import { createUnitOfWork, LATER } from '../backend/src/db/unit-of-work.js';
import { seedDemo } from './seeds/demo.js';

const config = loadDatabaseConfig();
const db = await openDatabase(config.database, { migrate: true });
const uow = createUnitOfWork(db, LATER);
const { created } = await seedDemo({ db, uow, bcryptCost: config.bcryptCost, activity: config.seedDemoActivity });
await db.close();
console.log(created.length ? `Seeded: ${created.join(', ')}.` : 'Demo data was already there; bookings topped up.');
