import { describe, expect, it } from 'vitest';
import { currencyOf, fromCents, isCentsAmount, priceFor, toCents } from '../../backend/src/contracts/money.js';

describe('prices in cents', () => {
  it('prices 90 minutes at 11.99 an hour as 17.99: 1798.5 cents round half away from zero', () => {
    expect(priceFor(1199, 90)).toBe(1799);
    expect(fromCents(priceFor(toCents(11.99), 90))).toBe(17.99);
  });

  it('rounds half a cent up and less than half down', () => {
    expect(priceFor(1, 30)).toBe(1); // 0.5 cents
    expect(priceFor(1, 29)).toBe(0); // 0.483 cents
    expect(priceFor(1, 20)).toBe(0); // 0.333 cents
    expect(priceFor(1, 40)).toBe(1); // 0.667 cents
    expect(priceFor(999, 20)).toBe(333); // 9.99 for 20 minutes: 333 cents exactly
    expect(priceFor(1001, 45)).toBe(751); // 750.75
    expect(priceFor(3, 30)).toBe(2); // 1.5
  });

  it('rounds a negative half away from zero too', () => {
    expect(priceFor(-1, 30)).toBe(-1);
    expect(priceFor(-1199, 90)).toBe(-1799);
    expect(priceFor(-1, 20)).toBe(0);
  });

  it('charges whole hours and round fractions exactly, and nothing for a free area', () => {
    expect(priceFor(1000, 45)).toBe(750);
    expect(priceFor(1600, 30)).toBe(800);
    expect(priceFor(1199, 60)).toBe(1199);
    expect(priceFor(0, 90)).toBe(0);
    expect(priceFor(1199, 0)).toBe(0);
  });

  it('stays exact for the largest price an area may have, booked all day', () => {
    const max = toCents('99999999.99');
    expect(max).toBe(9_999_999_999);
    expect(priceFor(max, 1440)).toBe(239_999_999_976);
    expect(priceFor(max, 90)).toBe(14_999_999_999); // 14999999998.5
    expect(fromCents(priceFor(max, 1440))).toBe(2_399_999_999.76);
  });

  it('refuses what is not a whole number of cents or minutes', () => {
    expect(() => priceFor(11.5, 60)).toThrow(RangeError);
    expect(() => priceFor(100, 1.5)).toThrow(RangeError);
    expect(() => priceFor(100, -5)).toThrow(RangeError);
    expect(() => priceFor(Number.MAX_SAFE_INTEGER, 60)).toThrow(RangeError);
  });
});

describe('decimal amounts and cents', () => {
  it('reads numbers and strings with up to two decimals exactly', () => {
    expect(toCents(11.99)).toBe(1199);
    expect(toCents('11.99')).toBe(1199);
    expect(toCents(1.15)).toBe(115); // 1.15 * 100 is 114.99999999999999 in floating point
    expect(toCents('1.15')).toBe(115);
    expect(toCents(0.29)).toBe(29);
    expect(toCents('8')).toBe(800);
    expect(toCents('8.5')).toBe(850);
    expect(toCents(' 20.50 ')).toBe(2050);
    expect(toCents(0)).toBe(0);
    expect(toCents(-0)).toBe(0);
    expect(Object.is(toCents('-0.00'), 0)).toBe(true);
    expect(toCents('-3.07')).toBe(-307);
  });

  it('adds 0.1 and 0.2 to exactly 0.3 in cents, and refuses the float sum', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(toCents('0.1') + toCents('0.2')).toBe(toCents('0.3'));
    expect(fromCents(toCents(0.1) + toCents(0.2))).toBe(0.3);
    expect(isCentsAmount(0.1 + 0.2)).toBe(false);
    expect(() => toCents(0.1 + 0.2)).toThrow(RangeError);
  });

  it('refuses fractions of a cent and anything that is not an amount', () => {
    for (const bad of [1.234, '1.234', '1.', '.5', '1,50', 'abc', '', Number.NaN, Infinity, 1e300, '99999999999999999']) {
      expect(isCentsAmount(bad)).toBe(false);
      expect(() => toCents(bad)).toThrow(RangeError);
    }
  });

  it('turns cents back into the decimal the API shows, with two digits at most', () => {
    expect(fromCents(1799)).toBe(17.99);
    expect(String(fromCents(1799))).toBe('17.99');
    expect(String(fromCents(115))).toBe('1.15');
    expect(fromCents(800)).toBe(8);
    expect(fromCents(1)).toBe(0.01);
    expect(() => fromCents(0.5)).toThrow(RangeError);
    for (let cents = 0; cents < 20_000; cents += 7) expect(toCents(fromCents(cents))).toBe(cents);
  });

  it("takes the gym's currency from its settings, EUR when none is set", () => {
    expect(currencyOf({ currency: 'USD' })).toBe('USD');
    expect(currencyOf({})).toBe('EUR');
    expect(currencyOf(null)).toBe('EUR');
    expect(currencyOf({ currency: 'euro' })).toBe('EUR');
  });
});
