import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { black76Price } from './black76-price.js';
import { black76PriceCody, black76UndiscountedCody } from './black76-price-cody.js';

interface QuantLibCase {
  readonly id: string;
  readonly isCall: boolean;
  readonly forward: number;
  readonly strike: number;
  readonly tau: number;
  readonly vol: number;
  readonly rate: number;
  readonly price: number;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/quantlib-black76.json', import.meta.url), 'utf8'),
) as { readonly cases: readonly QuantLibCase[] };

/** The QuantLib tolerance of black76-quantlib.test.ts: 1e-10 relative or 1e-12 absolute, whichever is looser. */
const withinQuantLib = (actual: number, expected: number) => Math.abs(actual - expected) <= Math.max(1e-10 * Math.abs(expected), 1e-12);

describe('black76PriceCody', () => {
  it('agrees with QuantLib on every case of the committed fixture', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(240);
    const failures: string[] = [];
    for (const c of fixture.cases) {
      const price = black76PriceCody(c.isCall, c.forward, c.strike, c.tau, c.vol, Math.exp(-c.rate * c.tau));
      if (!withinQuantLib(price, c.price)) failures.push(`${c.id}: ours ${price}, QuantLib ${c.price}`);
    }
    expect(failures).toEqual([]);
  });

  it('agrees with black76Price to 1e-13 of the forward on random options', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        fc.double({ min: 1 / 365, max: 5, noNaN: true }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        fc.double({ min: -0.02, max: 0.15, noNaN: true }),
        (isCall, forward, moneyness, tau, vol, rate) => {
          const strike = forward / moneyness;
          const df = Math.exp(-rate * tau);
          const fast = black76PriceCody(isCall, forward, strike, tau, vol, df);
          const reference = black76Price(isCall, forward, strike, tau, vol, df);
          // Relative to the value, with a floor at 1e-15 of the forward (the rounding of F·N(d1) − K·N(d2) itself).
          return Math.abs(fast - reference) <= 1e-13 * Math.abs(reference) + 1e-15 * forward;
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('treats degenerate inputs exactly as black76Price does', () => {
    const cases: ReadonlyArray<readonly [boolean, number, number, number, number, number]> = [
      [true, 100, 0, 1, 0.5, 0.97],
      [false, 100, -5, 1, 0.5, 0.97],
      [true, 100, 90, 0, 0.5, 0.97],
      [false, 100, 110, -1, 0.5, 0.97],
      [true, 100, 90, 1, 0, 0.97],
      [false, 100, 110, 1e-30, 1e-4, 0.97],
      [true, 100, 90, 1, 1e-14, 0.97],
    ];
    for (const [isCall, f, k, t, v, d] of cases) expect(black76PriceCody(isCall, f, k, t, v, d)).toBe(black76Price(isCall, f, k, t, v, d));
    expect(black76PriceCody(true, Number.NaN, 100, 1, 0.5, 1)).toBeNaN();
    expect(black76PriceCody(false, 100, 100, 1, Number.NaN, 1)).toBeNaN();
  });

  it('never returns a negative value far out of the money', () => {
    for (const moneyness of [1e-3, 0.05, 0.3, 3, 20, 1e3]) {
      for (const stdDev of [1e-6, 0.01, 0.3, 3]) {
        expect(black76UndiscountedCody(1, moneyness, 1, Math.log(moneyness), moneyness, stdDev)).toBeGreaterThanOrEqual(0);
        expect(black76UndiscountedCody(-1, moneyness, 1, Math.log(moneyness), moneyness, stdDev)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('recomputes e^{−d2²/2} on its own when e^{−d1²/2} underflows (deep in the money, huge σ√τ)', () => {
    // σ√τ = 60, ln(F/K) = 540: d1 = 39 (e^{−d1²/2} = 0 in doubles), d2 = −21; F/K ≈ 1e234 stays finite.
    const stdDev = 60;
    const logMoneyness = 540;
    const moneyness = Math.exp(logMoneyness);
    for (const omega of [1, -1]) {
      const fast = black76UndiscountedCody(omega, 1, 1 / moneyness, logMoneyness, moneyness, stdDev);
      const reference = black76Price(omega === 1, 1, 1 / moneyness, 1, stdDev, 1);
      expect(Number.isFinite(fast)).toBe(true);
      expect(Math.abs(fast - reference)).toBeLessThanOrEqual(1e-15 * reference);
    }
  });
});
