/** Webhook endpoints: the field problems of their form and the server's answers about them. */
import { defineTexts } from '../i18n-texts.js';

export const webhookTexts = defineTexts({
  en: {
    'field.webhook_url': 'Enter a full address starting with https://.',
    'field.webhook_https': 'Use an https:// address.',
    'field.webhook_private': 'This address leads to a private or local network, which webhooks may not reach.',
    'field.webhook_since': 'Beyond the last event of the gym.',
    'ok.webhook_recovery_started': 'The events are being delivered again, in order.',
  },
  el: {
    'field.webhook_url': 'Γράψτε μια πλήρη διεύθυνση που αρχίζει με https://.',
    'field.webhook_https': 'Χρησιμοποιήστε διεύθυνση https://.',
    'field.webhook_private': 'Αυτή η διεύθυνση οδηγεί σε ιδιωτικό ή τοπικό δίκτυο, όπου τα webhooks δεν επιτρέπεται να φτάνουν.',
    'field.webhook_since': 'Πέρα από το τελευταίο γεγονός του γυμναστηρίου.',
    'ok.webhook_recovery_started': 'Τα γεγονότα παραδίδονται ξανά, με τη σειρά.',
  },
});
