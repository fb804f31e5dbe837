/**
 * How guessable a new password is, by zxcvbn with its common-password and English dictionaries.
 * The dictionaries are megabytes of JavaScript: loaded once, on the first password set, not at boot.
 */
import { z } from 'zod';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH, PASSWORD_MIN_SCORE } from '../../contracts/passwords.js';

let checker: Promise<ZxcvbnFactory> | undefined;

function load(): Promise<ZxcvbnFactory> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en'),
    ]);
    return new ZxcvbnFactory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...en.dictionary },
    });
  })();
  return checker;
}

/** zxcvbn's score, 0 (guessed at once) to 4 (very unguessable). */
export async function passwordScore(password: string): Promise<number> {
  return (await load()).check(password).score;
}

/**
 * A new password (signup, new members, changes and resets): long enough, within bcrypt's bytes, and
 * not guessable. The messages are message keys the error handler translates for the field.
 */
export const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: 'field.password_too_short', abort: true })
  .refine((p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES, { message: 'field.password_too_long', abort: true })
  .refine(async (p) => (await passwordScore(p)) >= PASSWORD_MIN_SCORE, { message: 'field.password_too_weak', abort: true });
