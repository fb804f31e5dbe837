/** `npm run migrate`: brings the configured database's schema up to date, once per deploy. */
import { loadDatabaseConfig } from '../backend/src/config.js';
import { openDatabase } from '../backend/src/db/database.js';

const config = loadDatabaseConfig();
const db = await openDatabase(config.database, { migrate: true });
await db.close();
console.log(`Migrated the ${config.database.driver === 'pg' ? 'PostgreSQL' : 'embedded'} database.`);
