/** Turns any failure into sentences in the current language, from the stable error code and its details. */
import type { MessageKey } from '$contracts/i18n.js';
import { ApiError } from './api.js';
import { t } from './i18n.svelte.js';

interface Details {
  field?: unknown;
  reason?: unknown;
  current_users?: unknown;
  bookings?: unknown;
}

const details = (err: ApiError): Details => (err.details && typeof err.details === 'object' && !Array.isArray(err.details) ? err.details : {});

/** Conflicts whose `reason` says more than the code (they name what stands in the way). */
function reasonText(err: ApiError): string | null {
  const d = details(err);
  const n = typeof d.bookings === 'number' ? d.bookings : typeof d.current_users === 'number' ? d.current_users : 0;
  switch (d.reason) {
    case 'overlaps_own_booking': return t('ui.error.overlaps_own_booking');
    case 'future_bookings': return t(n === 1 ? 'ui.error.area_has_bookings_one' : 'ui.error.area_has_bookings', { n });
    case 'people_inside': return t('ui.error.area_people_inside', { n });
    case 'active_workouts': return t('ui.error.area_active_workouts');
    case 'program_has_sessions': return t('ui.error.program_has_sessions');
    case 'future_bookings_above': return t('ui.error.future_bookings_above');
    case 'cannot_lock_yourself_out': return t('ui.error.cannot_lock_yourself_out');
    default: return null;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network_error') return t('ui.error.network');
    // A 429 that says how long to wait (details.retry_after, seconds) says it on screen too.
    const wait = (err.details as { retry_after?: unknown } | undefined)?.retry_after;
    if (err.code === 'rate_limited' && typeof wait === 'number') return t('error.rate_limited_wait', { seconds: wait });
    return reasonText(err) ?? t(`error.${err.code}` as MessageKey);
  }
  console.error(err);
  return t('error.internal_error');
}

/** Each field's message, keyed by its dotted path, for the form that sent the request. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const d = details(err);
  if (typeof d.field === 'string') {
    if (err.code === 'already_exists') return { [d.field]: t('field.taken') };
    if (d.field === 'capacity' && typeof d.current_users === 'number') return { capacity: t('field.people_inside', { n: d.current_users }) };
    return { [d.field]: reasonText(err) ?? errorText(err) };
  }
  return err.fieldErrors();
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null;
}
