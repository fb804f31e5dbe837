/**
 * zod compiles object parsers with `new Function` after probing whether eval is allowed; our CSP forbids
 * it, and Chromium reports even the caught probe as a violation (Lighthouse's best practices count it).
 * Imported before any schema is built (lib/forms.ts), so no probe ever runs in the browser.
 */
import { config } from 'zod';

config({ jitless: true });
