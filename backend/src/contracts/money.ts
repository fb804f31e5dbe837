/**
 * Money, shared by the server and the screens: amounts are integer cents everywhere but at the edge,
 * where the API and the screens show decimal amounts with two digits. Cents never pass through a
 * fractional number on the way, so the server and the web app price a booking to the same cent.
 */

/** The currency of a gym whose settings name none. */
export const DEFAULT_CURRENCY = 'EUR';

const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** The ISO 4217 code in a gym's settings, or the default. */
export function currencyOf(settings: { currency?: unknown } | null | undefined): string {
  const code = settings?.currency;
  return typeof code === 'string' && CURRENCY.test(code) ? code : DEFAULT_CURRENCY;
}

/**
 * The integer cents of a decimal amount with at most two decimals: "11.99" and 11.99 are 1199. A number
 * is read as the decimal it stands for (the one JSON carries), so a float that only approximates a
 * cent amount, like 0.1 + 0.2, is refused rather than rounded into a price nobody typed.
 */
export function toCents(amount: number | string): number {
  const cents = typeof amount === 'string' ? parseDecimal(amount) : numberToCents(amount);
  if (cents === null) throw new RangeError(`not an amount of whole cents: ${String(amount)}`);
  return cents;
}

/** True when toCents would accept the amount (for validation). */
export function isCentsAmount(amount: number | string): boolean {
  return (typeof amount === 'string' ? parseDecimal(amount) : numberToCents(amount)) !== null;
}

/** The decimal amount of integer cents, as the API shows it: 1799 is 17.99. */
export function fromCents(cents: number): number {
  assertCents(cents);
  // One correctly rounded division: the nearest double to the decimal, which prints with two digits.
  return cents / 100;
}

/**
 * The price of `minutes` at `pricePerHourCents` an hour, in cents, rounded half away from zero:
 * 11.99 an hour for 90 minutes is 1798.5 cents, so 1799. Integer arithmetic only.
 */
export function priceFor(pricePerHourCents: number, minutes: number): number {
  assertCents(pricePerHourCents);
  if (!Number.isSafeInteger(minutes) || minutes < 0) throw new RangeError(`not a number of minutes: ${minutes}`);
  const total = pricePerHourCents * minutes;
  if (!Number.isSafeInteger(total)) throw new RangeError('price out of range');
  const rest = total % 60; // same sign as total
  const whole = (total - rest) / 60; // exact: total - rest is a multiple of 60
  return Math.abs(rest) * 2 >= 60 ? whole + Math.sign(total) : whole;
}

function assertCents(cents: number): void {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
}

function numberToCents(amount: number): number | null {
  if (!Number.isFinite(amount)) return null;
  const cents = Math.round(amount * 100);
  // For a decimal with two digits, x * 100 lands within a few units in the last place of the integer,
  // and dividing back gives the same double; anything else (1.234, 0.1 + 0.2) does not.
  return Number.isSafeInteger(cents) && cents / 100 === amount ? cents + 0 : null;
}

function parseDecimal(text: string): number | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return null;
  return m[1] === '-' ? -cents || 0 : cents;
}
