/** Webhook endpoints (modules/webhooks/, the admin panel's webhooks page). */
import { defineTexts } from '../i18n-texts.js';

export const webhookTexts = defineTexts({
  en: {
    'ok.webhook_created': 'Webhook endpoint created. Copy its signing secret now: it is not shown again.',
    'ok.webhook_secret_rotated': 'New signing secret made; the old one keeps signing beside it for a day.',
    'ok.webhook_test_sent': 'Test event sent.',
    'ok.webhook_recovering': 'The events are being delivered again, in order.',
    'field.webhook_url': 'Enter a full address starting with https://.',
  },
  el: {
    'ok.webhook_created': 'Το endpoint webhook δημιουργήθηκε. Αντιγράψτε τώρα το μυστικό υπογραφής: δεν θα εμφανιστεί ξανά.',
    'ok.webhook_secret_rotated': 'Δημιουργήθηκε νέο μυστικό υπογραφής· το παλιό υπογράφει δίπλα του για μία ημέρα.',
    'ok.webhook_test_sent': 'Στάλθηκε δοκιμαστικό γεγονός.',
    'ok.webhook_recovering': 'Τα γεγονότα παραδίδονται ξανά, με τη σειρά.',
    'field.webhook_url': 'Γράψτε μια πλήρη διεύθυνση που αρχίζει με https://.',
  },
});
