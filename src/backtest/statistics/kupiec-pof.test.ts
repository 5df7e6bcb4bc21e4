import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kupiecPof, pofNonRejectionRegion } from './kupiec-pof.js';

/** χ²₁ critical values from backtesting.md §1. */
const CHI2_1_95 = 3.8414588207;

describe('kupiecPof (backtesting.md §2)', () => {
  it('reproduces MathWorks pof: T = 1043, x = 57, p = 0.05 → 0.46147, p 0.49694', () => {
    const r = kupiecPof(1043, 57, 0.05);
    expect(r.statistic).toBeCloseTo(0.46147, 5);
    expect(r.pValue).toBeCloseTo(0.49694, 5);
  });

  it('x = 0 gives −2T ln(1−p): zero exceptions can be rejected as too good', () => {
    const r = kupiecPof(250, 0, 0.01);
    expect(r.statistic).toBeCloseTo(-2 * 250 * Math.log(0.99), 12);
    expect(r.statistic).toBeGreaterThan(CHI2_1_95);
  });

  it('x = T gives −2T ln p', () => {
    expect(kupiecPof(20, 20, 0.05).statistic).toBeCloseTo(-2 * 20 * Math.log(0.05), 10);
  });

  it('is 0 (p-value 1) when x/T = p exactly', () => {
    const r = kupiecPof(1000, 10, 0.01);
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(r.pValue).toBeCloseTo(1, 6);
  });

  it('is non-negative and finite for every admissible x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 1e-4, max: 0.5, noNaN: true }), fc.nat(), (T, p, k) => {
        const r = kupiecPof(T, k % (T + 1), p);
        expect(r.statistic).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(r.statistic)).toBe(true);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('rejects bad arguments with USAGE_INVALID naming them', () => {
    expect(() => kupiecPof(0, 0, 0.01)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'observations' }));
    expect(() => kupiecPof(10, 11, 0.01)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'exceptions' }));
    expect(() => kupiecPof(10, 1.5, 0.01)).toThrow(expect.objectContaining({ field: 'exceptions' }));
    expect(() => kupiecPof(10, 1, 1)).toThrow(expect.objectContaining({ field: 'p' }));
    expect(() => kupiecPof(10, 1, NaN)).toThrow(expect.objectContaining({ field: 'p' }));
  });
});

describe('pofNonRejectionRegion', () => {
  // Expected regions computed independently (plain LR formula vs the §1 critical value, not read from a table).
  // They agree with the region table in Kupiec (1995) / Jorion, except that at T = 255, p = 0.01 x = 0 is
  // rejected (LR = 5.13 > 3.84), which the printed "N < 7" glosses over.
  const CASES = [
    { T: 250, p: 0.01, level: 0.95, min: 1, max: 6 },
    { T: 255, p: 0.01, level: 0.95, min: 1, max: 6 },
    { T: 510, p: 0.01, level: 0.95, min: 2, max: 10 },
    { T: 1000, p: 0.01, level: 0.95, min: 5, max: 16 },
    { T: 255, p: 0.05, level: 0.95, min: 7, max: 20 },
    { T: 1000, p: 0.05, level: 0.95, min: 38, max: 64 },
    { T: 1043, p: 0.05, level: 0.95, min: 39, max: 66 },
    { T: 250, p: 0.01, level: 0.99, min: 0, max: 7 },
  ];
  for (const c of CASES) {
    it(`T = ${c.T}, p = ${c.p}, level ${c.level} → [${c.min}, ${c.max}]`, () => {
      expect(pofNonRejectionRegion(c.T, c.p, c.level)).toEqual({ min: c.min, max: c.max });
    });
  }

  it('is exactly the set of counts the POF test does not reject', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.constantFrom(0.9, 0.95, 0.99), (T, p, level) => {
        const region = pofNonRejectionRegion(T, p, level);
        for (let x = 0; x <= T; x++) {
          const inside = region !== undefined && x >= region.min && x <= region.max;
          expect(kupiecPof(T, x, p).pValue > 1 - level).toBe(inside);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('is undefined when even the best count is rejected (tiny T, extreme level)', () => {
    // T = 1, p = 0.5: LR is 2 ln 2 = 1.386 for both x = 0 and x = 1, rejected at level 0.5 (critical 0.455).
    expect(pofNonRejectionRegion(1, 0.5, 0.5)).toBeUndefined();
  });
});
