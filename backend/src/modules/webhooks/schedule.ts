/** When the next attempt of a failed delivery is due (Svix's schedule by default, config.webhooks). */

/** The delay before retry number `failures` (1 = after the first failed attempt), or null: give up. */
export function retryDelayMs(
  retrySeconds: readonly number[],
  failures: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const base = retrySeconds[failures - 1];
  if (base === undefined) return null;
  // ±20 %, so endpoints that failed together do not all retry in the same instant.
  const jittered = base * 1000 * (0.8 + 0.4 * random());
  // The receiver's own wish, within the longest wait of the schedule.
  const asked = retryAfterSeconds === null ? 0 : Math.min(retryAfterSeconds, Math.max(...retrySeconds, 0)) * 1000;
  return Math.round(Math.max(jittered, asked));
}
