/** Password rules shared with the web app, which checks the length before sending. */

/** Fewer characters than this are refused outright. */
export const PASSWORD_MIN_LENGTH = 10;
/** bcrypt reads only this many bytes; a longer password would be weaker than it looks. */
export const PASSWORD_MAX_BYTES = 72;
/** The zxcvbn score (0-4) a new password must reach on the server: 3 is "safely unguessable". */
export const PASSWORD_MIN_SCORE = 3;
