import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EXP_NON_POSITIVE_MIN, expNonPositive, POW2, POW2_OFFSET, TWO_POW_J64_HI, TWO_POW_J64_LO } from './exp-non-positive.js';

/** [a, e^a] from mpmath at 50 digits, rounded to the nearest double. */
const REFERENCE: ReadonlyArray<readonly [number, number]> = [
  [-708.5, 2.006132305331306e-308],
  [-500.25, 5.548625684622169e-218],
  [-100.125, 3.2829555262177533e-44],
  [-37.5, 5.175555005801869e-17],
  [-10.3, 3.363309518571897e-5],
  [-1, 0.36787944117144233],
  [-0.34657359, 0.7071067813845181],
  [-0.0054, 0.9946145537913912],
  [-1e-10, 0.9999999999],
];

/** Two ulps of the result: Tang's method with a double-double table stays below ~1 ulp. */
const TOLERANCE = 2.3e-16;

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('expNonPositive (Tang, 64-entry table)', () => {
  it.each(REFERENCE)('e^%d matches the 50-digit value', (a, expected) => {
    expect(relativeError(expNonPositive(a), expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('agrees with Math.exp on a dense grid of the whole normal range', () => {
    let worst = 0;
    for (let a = -708; a <= 0; a += 0.000743) worst = Math.max(worst, relativeError(expNonPositive(a), Math.exp(a)));
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  it('agrees with Math.exp on arbitrary doubles of the range', () => {
    fc.assert(
      fc.property(fc.double({ min: -708, max: 0, noNaN: true }), (a) => relativeError(expNonPositive(a), Math.exp(a)) <= TOLERANCE),
      { numRuns: 20000 },
    );
  });

  it('is exact at 0, keeps absolute accuracy through the subnormals and propagates NaN', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    for (let a = EXP_NON_POSITIVE_MIN; a < -708; a += 0.0371) {
      expect(Math.abs(expNonPositive(a) - Math.exp(a))).toBeLessThanOrEqual(2 * Number.MIN_VALUE + 1e-16 * Math.exp(a));
    }
    expect(expNonPositive(EXP_NON_POSITIVE_MIN)).toBeLessThan(1e-323);
    expect(expNonPositive(Number.NaN)).toBeNaN();
  });

  it('has tables equal to 2^(j/64) as double-doubles and exact powers of two', () => {
    for (let j = 0; j < 64; j++) {
      const hi = TWO_POW_J64_HI[j]!;
      const lo = TWO_POW_J64_LO[j]!;
      expect(relativeError(hi, 2 ** (j / 64))).toBeLessThanOrEqual(2.3e-16);
      // lo is the rounding error of hi: at most half an ulp of hi.
      expect(Math.abs(lo)).toBeLessThanOrEqual(hi * 2 ** -53);
      // (hi + lo)^64 = 2^j: check (hi + lo)² against the entry for 2j (or twice the entry for 2j − 64).
      if (j > 0 && j < 32) {
        const square = hi * hi + 2 * hi * lo;
        expect(relativeError(square, TWO_POW_J64_HI[2 * j]! + TWO_POW_J64_LO[2 * j]!)).toBeLessThan(4e-16);
      }
    }
    expect(POW2[POW2_OFFSET]).toBe(1);
    expect(POW2[POW2_OFFSET - 1074]).toBe(Number.MIN_VALUE);
    expect(POW2[POW2_OFFSET - 1022]).toBe(2 ** -1022);
  });
});
