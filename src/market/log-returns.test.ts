import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { logReturns } from './log-returns.js';

describe('logReturns', () => {
  it('computes ln(c_i / c_{i-1})', () => {
    const r = logReturns(Float64Array.of(100, 110, 99, 99));
    expect(r).toHaveLength(3);
    expect(r[0]).toBeCloseTo(Math.log(1.1), 15);
    expect(r[1]).toBeCloseTo(Math.log(0.9), 15);
    expect(r[2]).toBe(0);
  });

  it('returns nothing for fewer than two closes', () => {
    expect(logReturns(new Float64Array(0))).toHaveLength(0);
    expect(logReturns(Float64Array.of(5))).toHaveLength(0);
  });

  it('writes into a caller buffer', () => {
    const out = new Float64Array(2);
    expect(logReturns(Float64Array.of(1, Math.E, 1), out)).toBe(out);
    expect(out[0]).toBeCloseTo(1, 15);
    expect(out[1]).toBeCloseTo(-1, 15);
    const longer = new Float64Array(5).fill(7);
    const view = logReturns(Float64Array.of(1, 2), longer);
    expect(view).toHaveLength(1);
    expect(longer[0]).toBeCloseTo(Math.LN2, 15);
    expect(longer[1]).toBe(7);
    expect(() => logReturns(Float64Array.of(1, 2, 3), new Float64Array(1))).toThrow(CrossmarginError);
  });

  it('telescopes: the sum of log returns is ln(last / first) (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { minLength: 2, maxLength: 200 }), (prices) => {
        const close = Float64Array.from(prices);
        const sum = logReturns(close).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(Math.log((prices.at(-1) as number) / (prices[0] as number)), 9);
      }),
      { numRuns: 200 },
    );
  });
});
