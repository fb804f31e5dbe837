/**
 * Secrets for every server a test starts with DATABASE_URL (which refuses to run without real ones):
 * random, generated once per test process, so tokens a test signs itself are the servers' own.
 */
import { randomSecret } from '../../backend/src/secrets.js';

export const TEST_SECRETS = { JWT_SECRET: randomSecret(), SESSION_SECRET: randomSecret() } as const;
