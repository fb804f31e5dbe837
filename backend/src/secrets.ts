/**
 * Secrets of the embedded mode, which has nobody to set them: generated on first start and kept in the
 * data folder (readable by the owner only), so tokens and sessions survive a restart. An in-memory
 * database (`memory://`) gets fresh random ones every time, as its data does.
 *
 * And the check every secret given through the environment must pass: long, not a placeholder, not a
 * handful of characters repeated.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Secrets {
  jwt: string;
  session: string;
}

export const SECRETS_FILE = 'secrets.json';
export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 10;
const PLACEHOLDER = /change.?me|replace.?me|placeholder|example|secret|password|default|dev.?only|test.?only|x{4}/i;

/** A fresh secret: 48 random bytes, base64url (64 characters). */
export const randomSecret = (): string => randomBytes(48).toString('base64url');

/** Why a secret is unfit, or null when it is fine. */
export function secretProblem(value: string): string | null {
  if (value.length < MIN_SECRET_LENGTH) return `is too short (${value.length} characters; at least ${MIN_SECRET_LENGTH})`;
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder';
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) return `has too few distinct characters (at least ${MIN_DISTINCT_CHARACTERS})`;
  return null;
}

function isSecrets(value: unknown): value is Secrets {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Secrets>;
  return typeof s.jwt === 'string' && typeof s.session === 'string' && !secretProblem(s.jwt) && !secretProblem(s.session);
}

/** The embedded mode's secrets: read from `<dataDir>/secrets.json`, created there (0600) on first start. */
export function embeddedSecrets(dataDir: string): Secrets {
  if (dataDir.startsWith('memory://')) return { jwt: randomSecret(), session: randomSecret() };
  const file = path.join(dataDir, SECRETS_FILE);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
    fs.writeFileSync(file, JSON.stringify({ jwt: randomSecret(), session: randomSecret() }) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const kept: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isSecrets(kept)) throw new Error(`${file} does not hold usable secrets: delete it to have new ones generated (this signs everybody out)`);
  return kept;
}
