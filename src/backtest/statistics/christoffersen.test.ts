import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { christoffersen, christoffersenFromCounts, christoffersenIndependenceFromCounts, transitionCounts } from './christoffersen.js';
import { kupiecPof } from './kupiec-pof.js';

/** MathWorks cc/cci counts (backtesting.md §4). */
const COUNTS = { n00: 932, n01: 53, n10: 53, n11: 4 };

/**
 * A series with exactly those counts: 53 blocks of ones (4 of them "11", 49 single "1") separated by zeros, starting
 * and ending with zeros. 986 zeros in 54 runs give n00 = 986 − 54 = 932; T = 1043, x = 57. The first run has 57
 * zeros, so the first exception is on day 58 as in the MathWorks TUFF example (same data set).
 */
function vectorSeries(): Uint8Array {
  const s: number[] = new Array<number>(57).fill(0);
  for (let b = 0; b < 53; b++) {
    if (b > 0) s.push(...new Array<number>(17).fill(0));
    s.push(...(b < 4 ? [1, 1] : [1]));
  }
  while (s.length < 1043) s.push(0);
  return Uint8Array.from(s);
}

describe('transitionCounts', () => {
  it('counts the T − 1 consecutive pairs', () => {
    expect(transitionCounts(Uint8Array.from([0, 1, 1, 0, 0, 1]))).toEqual({ n00: 1, n01: 2, n10: 1, n11: 1 });
    expect(transitionCounts(Uint8Array.from([1]))).toEqual({ n00: 0, n01: 0, n10: 0, n11: 0 });
  });

  it('sums to T − 1 and n01 + n11 + I_1 = x', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 400 }), (a) => {
        const s = Uint8Array.from(a);
        const c = transitionCounts(s);
        expect(c.n00 + c.n01 + c.n10 + c.n11).toBe(a.length - 1);
        expect(c.n01 + c.n11 + a[0]!).toBe(a.reduce((x, y) => x + y, 0));
      }),
    );
  });
});

describe('Christoffersen (backtesting.md §4)', () => {
  it('reproduces MathWorks cci/cc from the counts: LR_ind 0.25866 (p 0.61104), LR_cc 0.72013 (p 0.69763)', () => {
    const r = christoffersenFromCounts(COUNTS, 57, 0.05);
    expect(r.independence.statistic).toBeCloseTo(0.25866, 5);
    expect(r.independence.pValue).toBeCloseTo(0.61104, 5);
    expect(r.conditionalCoverage.statistic).toBeCloseTo(0.72013, 5);
    expect(r.conditionalCoverage.pValue).toBeCloseTo(0.69763, 5);
    expect(r.conditionalCoverage.statistic).toBeCloseTo(kupiecPof(1043, 57, 0.05).statistic + r.independence.statistic, 12);
  });

  it('gives the same from a series with those counts', () => {
    const s = vectorSeries();
    expect(s.length).toBe(1043);
    expect(transitionCounts(s)).toEqual(COUNTS);
    const r = christoffersen(s, 0.05);
    expect(r.independence.statistic).toBeCloseTo(0.25866, 5);
    expect(r.conditionalCoverage.statistic).toBeCloseTo(0.72013, 5);
  });

  it('edge cases give LR_ind = 0: no exceptions, one exception on day 1 or on day T', () => {
    const none = new Uint8Array(250);
    const first = new Uint8Array(250);
    first[0] = 1;
    const last = new Uint8Array(250);
    last[249] = 1;
    for (const s of [none, first, last]) {
      const r = christoffersen(s, 0.01);
      expect(r.independence.statistic).toBe(0);
      expect(r.independence.pValue).toBe(1);
      const x = s.reduce((a, b) => a + b, 0);
      expect(r.conditionalCoverage.statistic).toBeCloseTo(kupiecPof(250, x, 0.01).statistic, 12);
    }
  });

  it('n11 = 0 uses 0·ln 0 = 0 (finite statistic)', () => {
    const s = new Uint8Array(100);
    s[10] = 1;
    s[50] = 1;
    const r = christoffersen(s, 0.01);
    expect(transitionCounts(s).n11).toBe(0);
    expect(Number.isFinite(r.independence.statistic)).toBe(true);
  });

  it('detects clustering: ten consecutive exceptions are rejected, ten spread ones are not', () => {
    const clustered = new Uint8Array(1000);
    clustered.fill(1, 500, 510);
    const spread = new Uint8Array(1000);
    for (let k = 0; k < 10; k++) spread[k * 100 + 37] = 1;
    expect(christoffersen(clustered, 0.01).independence.pValue).toBeLessThan(1e-6);
    expect(christoffersen(spread, 0.01).independence.pValue).toBeGreaterThan(0.5);
  });

  it('LR_ind is non-negative on any series', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 300 }), (a) => {
        const r = christoffersen(Uint8Array.from(a), 0.05);
        expect(r.independence.statistic).toBeGreaterThanOrEqual(0);
        expect(r.conditionalCoverage.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('independence from counts does not need p', () => {
    expect(christoffersenIndependenceFromCounts(COUNTS).statistic).toBeCloseTo(0.25866, 5);
  });

  it('rejects an exception count inconsistent with the counts', () => {
    expect(() => christoffersenFromCounts(COUNTS, 60, 0.05)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'exceptions' }));
    expect(() => christoffersenIndependenceFromCounts({ ...COUNTS, n11: -1 })).toThrow(expect.objectContaining({ field: 'counts.n11' }));
  });
});
