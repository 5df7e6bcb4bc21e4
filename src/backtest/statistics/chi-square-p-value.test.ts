import chiSquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquarePValue } from './chi-square-p-value.js';

// backtesting.md §1: χ² critical values (scipy = R qchisq), 10 decimals. At each, the upper tail is 1 − level.
const CRITICAL: readonly (readonly [number, readonly number[]])[] = [
  [1, [2.7055434541, 3.8414588207, 5.0238861873, 6.634896601, 10.8275661707]],
  [2, [4.605170186, 5.9914645471, 7.3777589082, 9.210340372, 13.815510558]],
  [3, [6.2513886312, 7.8147279033, 9.3484036045, 11.3448667301, 16.2662361962]],
];
const TAILS = [0.1, 0.05, 0.025, 0.01, 0.001];

describe('chiSquarePValue', () => {
  it('gives the §1 tail probabilities at the published critical values', () => {
    for (const [df, values] of CRITICAL) {
      values.forEach((c, i) => expect(chiSquarePValue(c, df)).toBeCloseTo(TAILS[i]!, 9));
    }
  });

  it('closed forms for df 1 and 2 agree with 1 − cdf where that is accurate', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 30, noNaN: true }), fc.constantFrom(1, 2), (s, df) => {
        expect(chiSquarePValue(s, df)).toBeCloseTo(1 - chiSquareCdf(s, df), 12);
      }),
    );
  });

  it('keeps tiny p-values instead of rounding to 0 (why the closed forms)', () => {
    expect(chiSquarePValue(200, 1)).toBeGreaterThan(0);
    expect(chiSquarePValue(200, 1)).toBeLessThan(1e-40);
    expect(chiSquarePValue(200, 2)).toBeCloseTo(Math.exp(-100), 60);
  });

  it('is 1 at 0 and below, NaN for NaN', () => {
    expect(chiSquarePValue(0, 1)).toBe(1);
    expect(chiSquarePValue(-1e-17, 2)).toBe(1);
    expect(chiSquarePValue(NaN, 1)).toBeNaN();
  });
});
