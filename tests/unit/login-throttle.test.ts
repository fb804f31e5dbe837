/**
 * The account-wide ceiling of the login throttle: past it, attempts from anywhere are not locked out
 * but spaced by a delay that doubles (the parallel bursts are in tests/reliability/login-throttle.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../backend/src/http/errors.js';
import { createLoginThrottle } from '../../backend/src/modules/auth/throttle.js';

const config = { loginThrottle: { maxFailures: 1, blockSeconds: 600 } } as Parameters<typeof createLoginThrottle>[0]['config'];
const waitOf = (err: unknown) => (err instanceof AppError && err.status === 429 ? (err.details as { retry_after: number }).retry_after : null);

describe('login throttle past the account ceiling', () => {
  it('spaces attempts on one account by a doubling delay instead of locking it', async () => {
    const throttle = createLoginThrottle({ config, redis: null });
    // One failure per address is allowed, a hundred per account: a hundred addresses each try once.
    for (let i = 0; i < 100; i++) await throttle.admit('gym:owner', `10.0.0.${i}`);
    await throttle.admit('gym:owner', '10.0.1.1'); // the first past the ceiling passes and sets a 1 s delay
    expect(waitOf(await throttle.admit('gym:owner', '10.0.1.2').catch((e) => e))).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    const admitted = await throttle.admit('gym:owner', '10.0.1.3');
    expect(waitOf(await throttle.admit('gym:owner', '10.0.1.4').catch((e) => e))).toBe(2);
    // A right password gives its attempt back; other accounts are untouched.
    await admitted.succeeded();
    await expect(throttle.admit('gym:trainer', '10.0.1.5')).resolves.toBeDefined();
  });
});
