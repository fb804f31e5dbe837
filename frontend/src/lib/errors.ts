/** Turns any failure into a sentence in the current language, from the stable error code. */
import type { MessageKey } from '$contracts/i18n.js';
import { ApiError } from './api.js';
import { t } from './i18n.svelte.js';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network_error') return t('ui.error.network');
    return t(`error.${err.code}` as MessageKey);
  }
  console.error(err);
  return t('error.internal_error');
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}
