/** The shared form rules (contracts/forms.ts) for the browser: zod set up for our CSP before they are built. */
import './zod-config.js';

export * from '$contracts/forms.js';
