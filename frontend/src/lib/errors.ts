/** Turns any failure into a sentence in the current language, from the stable error code. */
import type { MessageKey } from '$contracts/i18n.js';
import { ApiError } from './api.js';
import { t } from './i18n.svelte.js';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network_error') return t('ui.error.network');
    // A 429 that says how long to wait (details.retry_after, seconds) says it on screen too.
    const wait = (err.details as { retry_after?: unknown } | undefined)?.retry_after;
    if (err.code === 'rate_limited' && typeof wait === 'number') return t('error.rate_limited_wait', { seconds: wait });
    return t(`error.${err.code}` as MessageKey);
  }
  console.error(err);
  return t('error.internal_error');
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}
