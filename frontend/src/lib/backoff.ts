/**
 * Exponential backoff with a cap and full jitter, for every retry the web app makes on its own: many
 * screens coming back at once after an outage spread out instead of hammering the server together.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly capMs = 30_000,
  ) {}

  /** The wait before the next try: a random share of base·2^attempt, never above the cap. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
