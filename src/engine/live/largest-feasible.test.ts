import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestFeasible } from './largest-feasible.js';
import { judgeIndexUpdate } from './spike-guard.js';

describe('largestFeasible', () => {
  it('finds a monotone boundary to the stated precision, returning a feasible size', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), (boundary) => {
        const r = largestFeasible((q) => q <= boundary);
        expect(r.quantity).toBeLessThanOrEqual(boundary);
        expect(boundary - r.quantity).toBeLessThanOrEqual(1e-9 * Math.max(1, boundary) * 1.0000001);
        expect(r.unbounded).toBe(false);
      }),
    );
  });

  it('reports unbounded when every size is feasible', () => {
    expect(largestFeasible(() => true, { maxDoublings: 10 })).toMatchObject({ unbounded: true, quantity: 1023 });
  });
});

describe('judgeIndexUpdate', () => {
  it('accepts the first value and moves within the band; holds beyond it', () => {
    expect(judgeIndexUpdate({ lastAccepted: undefined, held: undefined }, 100, 0.25)).toBe('accept');
    expect(judgeIndexUpdate({ lastAccepted: 100, held: undefined }, 125, 0.25)).toBe('accept');
    expect(judgeIndexUpdate({ lastAccepted: 100, held: undefined }, 140, 0.25)).toBe('hold');
    expect(judgeIndexUpdate({ lastAccepted: 100, held: 140 }, 138, 0.25)).toBe('confirm');
    expect(judgeIndexUpdate({ lastAccepted: 100, held: 200 }, 101, 0.25)).toBe('drop');
    expect(judgeIndexUpdate({ lastAccepted: 100, held: 200 }, 300, 0.25)).toBe('hold');
  });
});
