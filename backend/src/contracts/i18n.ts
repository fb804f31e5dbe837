/**
 * The one translation table, shared by the server (error and success messages) and the frontend
 * (every text on screen). Keys are stable; `{name}` placeholders are filled by `translate`.
 */
import type { ErrorCode } from './envelope.js';

export const LOCALES = ['en', 'el'] as const;
export type Locale = (typeof LOCALES)[number];

type ErrorMessages = Record<`error.${ErrorCode}`, string>;

const en = {
  'error.invalid_input': 'Some fields are invalid.',
  'error.invalid_json': 'The request body is not valid JSON.',
  'error.payload_too_large': 'The request body is too large.',
  'error.unsupported_media_type': 'Send the body as application/json.',
  'error.unauthorized': 'Please sign in.',
  'error.invalid_credentials': 'Wrong username or password.',
  'error.token_expired': 'Your sign-in has expired.',
  'error.token_reused': 'This sign-in was already used; please sign in again.',
  'error.forbidden': 'You are not allowed to do that.',
  'error.csrf_failed': 'The security token is missing or wrong; reload the page.',
  'error.tenant_mismatch': 'That gym does not match your sign-in.',
  'error.tenant_suspended': 'This gym is suspended.',
  'error.not_found': 'Not found.',
  'error.conflict': 'That conflicts with existing data.',
  'error.slot_unavailable': 'That slot is no longer available.',
  'error.area_full': 'That area is full right now.',
  'error.already_checked_in': 'Already checked in.',
  'error.not_checked_in': 'Not checked in.',
  'error.workout_active': 'A workout is already in progress.',
  'error.already_exists': 'That already exists.',
  'error.idempotency_conflict': 'This Idempotency-Key was used with a different request.',
  'error.idempotency_in_progress': 'A request with this Idempotency-Key is still in progress.',
  'error.price_mismatch': 'The price has changed; please review it.',
  'error.slot_in_past': 'That time has already passed.',
  'error.outside_opening_hours': 'The area is closed at that time.',
  'error.area_not_bookable': 'That area cannot be booked.',
  'error.plan_limit_reached': 'Your plan does not allow more of these.',
  'error.unprocessable': 'The request cannot be carried out.',
  'error.rate_limited': 'Too many attempts; try again later.',
  'error.service_unavailable': 'The service is temporarily unavailable.',
  'error.internal_error': 'Something went wrong on our side.',
  'ok.default': 'OK',
  'ok.created': 'Created.',
  'ok.logged_in': 'Signed in.',
  'ok.logged_out': 'Signed out.',
  'ok.booked': 'Booked.',
  'ok.booking_cancelled': 'Booking cancelled.',
  'ok.workout_started': 'Workout started.',
  'ok.workout_completed': 'Workout completed.',
} satisfies ErrorMessages & Record<string, string>;

export type MessageKey = keyof typeof en;

const el: Record<MessageKey, string> = {
  'error.invalid_input': 'Ορισμένα πεδία δεν είναι έγκυρα.',
  'error.invalid_json': 'Το σώμα του αιτήματος δεν είναι έγκυρο JSON.',
  'error.payload_too_large': 'Το σώμα του αιτήματος είναι πολύ μεγάλο.',
  'error.unsupported_media_type': 'Στείλτε το σώμα ως application/json.',
  'error.unauthorized': 'Παρακαλώ συνδεθείτε.',
  'error.invalid_credentials': 'Λάθος όνομα χρήστη ή κωδικός.',
  'error.token_expired': 'Η σύνδεσή σας έληξε.',
  'error.token_reused': 'Αυτή η σύνδεση έχει ήδη χρησιμοποιηθεί· συνδεθείτε ξανά.',
  'error.forbidden': 'Δεν επιτρέπεται αυτή η ενέργεια.',
  'error.csrf_failed': 'Το διακριτικό ασφαλείας λείπει ή είναι λάθος· ανανεώστε τη σελίδα.',
  'error.tenant_mismatch': 'Το γυμναστήριο δεν ταιριάζει με τη σύνδεσή σας.',
  'error.tenant_suspended': 'Αυτό το γυμναστήριο είναι σε αναστολή.',
  'error.not_found': 'Δεν βρέθηκε.',
  'error.conflict': 'Υπάρχει σύγκρουση με υπάρχοντα δεδομένα.',
  'error.slot_unavailable': 'Αυτή η ώρα δεν είναι πλέον διαθέσιμη.',
  'error.area_full': 'Ο χώρος είναι γεμάτος αυτή τη στιγμή.',
  'error.already_checked_in': 'Έχει ήδη γίνει είσοδος.',
  'error.not_checked_in': 'Δεν έχει γίνει είσοδος.',
  'error.workout_active': 'Υπάρχει ήδη προπόνηση σε εξέλιξη.',
  'error.already_exists': 'Υπάρχει ήδη.',
  'error.idempotency_conflict': 'Αυτό το Idempotency-Key χρησιμοποιήθηκε με διαφορετικό αίτημα.',
  'error.idempotency_in_progress': 'Ένα αίτημα με αυτό το Idempotency-Key βρίσκεται ακόμη σε εξέλιξη.',
  'error.price_mismatch': 'Η τιμή άλλαξε· ελέγξτε την ξανά.',
  'error.slot_in_past': 'Αυτή η ώρα έχει ήδη περάσει.',
  'error.outside_opening_hours': 'Ο χώρος είναι κλειστός εκείνη την ώρα.',
  'error.area_not_bookable': 'Αυτός ο χώρος δεν δέχεται κρατήσεις.',
  'error.plan_limit_reached': 'Το πρόγραμμα συνδρομής σας δεν επιτρέπει περισσότερα.',
  'error.unprocessable': 'Το αίτημα δεν μπορεί να εκτελεστεί.',
  'error.rate_limited': 'Πάρα πολλές προσπάθειες· δοκιμάστε αργότερα.',
  'error.service_unavailable': 'Η υπηρεσία δεν είναι προσωρινά διαθέσιμη.',
  'error.internal_error': 'Κάτι πήγε στραβά από την πλευρά μας.',
  'ok.default': 'OK',
  'ok.created': 'Δημιουργήθηκε.',
  'ok.logged_in': 'Συνδεθήκατε.',
  'ok.logged_out': 'Αποσυνδεθήκατε.',
  'ok.booked': 'Η κράτηση έγινε.',
  'ok.booking_cancelled': 'Η κράτηση ακυρώθηκε.',
  'ok.workout_started': 'Η προπόνηση ξεκίνησε.',
  'ok.workout_completed': 'Η προπόνηση ολοκληρώθηκε.',
};

export const messages: Record<Locale, Record<MessageKey, string>> = { en, el };

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'el';
}

/** The message for `key` in `locale`, with `{name}` placeholders filled. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = messages[locale][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}
