/**
 * How guessable a new password is, by zxcvbn with its common-password and English dictionaries.
 * The dictionaries are megabytes of JavaScript: loaded once, on the first password set, not at boot.
 */
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { passwordSchema } from '../../contracts/forms.js';
import { PASSWORD_MIN_SCORE } from '../../contracts/passwords.js';

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
 * A new password (signup, new members, changes and resets): the shared form rules (length, bcrypt's
 * bytes), then not guessable. The message is a `field.*` key, said in the caller's language.
 */
export const newPassword = passwordSchema.refine(async (p) => (await passwordScore(p)) >= PASSWORD_MIN_SCORE, {
  error: 'field.password_too_weak',
  abort: true,
});
