/**
 * Boot: config -> database -> HTTP server -> real time -> listen. Prints where the product is and how
 * to sign in, and stops gracefully on SIGTERM/SIGINT.
 */
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const DEMO_LOGINS = `  tenants: demo (Demo Gym), olympia (Olympia Fitness)
  in each: owner/owner123, trainer/trainer123, member/member123, member2/member123
  platform admin: admin/admin123`;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const log = createLogger(config);
  const server = await startServer(config, { log });
  const mode = config.database.driver === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL';
  console.log(`\nGymflow is running at ${config.publicUrl} (${mode}${config.redisUrl ? ', Redis' : ''})`);
  if (config.seedDemo) console.log(`Demo logins:\n${DEMO_LOGINS}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
