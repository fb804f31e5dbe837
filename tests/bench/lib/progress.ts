/**
 * The progress display: one line redrawn in place on a terminal, a line every few seconds otherwise
 * (CI logs), so a long run never looks hung. Summary lines are printed above it.
 */
const started = Date.now();
const tty = Boolean(process.stdout.isTTY);
let current = '';
let lastPrinted = 0;

const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function draw(): void {
  if (!tty) return;
  const width = process.stdout.columns || 100;
  process.stdout.write(`\r\x1b[2K${`[${clock()}] ${current}`.slice(0, width - 1)}`);
}

/** Replaces the progress line (rate-limited on non-terminals). */
export function progress(text: string): void {
  current = text;
  if (tty) return draw();
  const now = Date.now();
  if (now - lastPrinted >= 3000) {
    lastPrinted = now;
    console.log(`[${clock()}] … ${text}`);
  }
}

/** Prints a line above the progress line. */
export function say(line: string): void {
  if (tty) process.stdout.write('\r\x1b[2K');
  console.log(line);
  if (tty && current) draw();
}

/** Starts a named step: shown at once, even on non-terminals. */
export function step(text: string): void {
  current = text;
  lastPrinted = Date.now();
  if (tty) draw();
  else console.log(`[${clock()}] ${text}`);
}

export function clearProgress(): void {
  if (tty) process.stdout.write('\r\x1b[2K');
  current = '';
}

export const elapsedSeconds = () => (Date.now() - started) / 1000;
