/** Password hashing with bcrypt at the configured cost. */
import bcrypt from 'bcrypt';

const dummies = new Map<number, Promise<string>>();

export const hashPassword = (password: string, cost: number) => bcrypt.hash(password, cost);

/**
 * Compares a password with a hash; with no hash (unknown user) it compares against a dummy hash of
 * the same cost, so an unknown user takes as long as a wrong password and answers the same.
 */
export async function verifyPassword(password: string, hash: string | undefined, cost: number): Promise<boolean> {
  if (!dummies.has(cost)) dummies.set(cost, bcrypt.hash('dummy-password-for-timing', cost));
  const target = hash ?? (await dummies.get(cost)!);
  // bcrypt only reads 72 bytes; refuse longer input instead of silently truncating it.
  const ok = Buffer.byteLength(password) <= 72 && (await bcrypt.compare(password, target).catch(() => false));
  return ok && hash !== undefined;
}
