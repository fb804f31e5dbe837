/** `npm run migrate`: brings the configured database's schema up to date, once per deploy. */
import { loadConfig } from '../backend/src/config.js';
import { openDatabase } from '../backend/src/db/database.js';

const config = loadConfig();
const db = await openDatabase(config.database, { migrate: true });
await db.close();
console.log(`Migrated the ${config.database.driver === 'pg' ? 'PostgreSQL' : 'embedded'} database.`);
