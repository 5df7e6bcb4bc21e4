import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedShortfall } from './expected-shortfall.js';
import { selectKth } from './select-kth.js';
import { valueAtRisk } from './value-at-risk.js';
import { worstLoss, worstScenarioIndex } from './worst-loss.js';

/** P&L vector whose losses are 1..n in a scrambled order (gain positive, so pnl = −loss). */
function lossesOneToN(n: number): Float64Array {
  const pnl = new Float64Array(n);
  for (let i = 0; i < n; i++) pnl[i] = -(((i * 7919) % n) + 1);
  return pnl;
}

describe('risk measures follow DESIGN.md "Quantiles"', () => {
  const n = 250;
  const pnl = lossesOneToN(n);
  const scratch = new Float64Array(n);

  it('VaR 99% over 250 scenarios is the 3rd worst loss', () => {
    expect(valueAtRisk(pnl, 0, n, 0.99, scratch)).toBe(248);
  });
  it('ES 97.5% over 250 scenarios = mean of the 6.25 worst = 247.36', () => {
    expect(expectedShortfall(pnl, 0, n, 0.975, scratch)).toBeCloseTo(247.36, 12);
  });
  it('losses 1..100, α = 0.99 → VaR 100 (engine convention, not the inf-definition 99)', () => {
    const p = lossesOneToN(100);
    expect(valueAtRisk(p, 0, 100, 0.99, new Float64Array(100))).toBe(100);
  });
  it('reads a row at an offset without touching neighbours', () => {
    const big = new Float64Array(2 * n);
    big.set(pnl, n);
    expect(valueAtRisk(big, n, n, 0.99, scratch)).toBe(248);
    expect(worstLoss(big, n, n)).toBe(250);
    expect(worstScenarioIndex(big, n, n)).toBe(Array.from(pnl).indexOf(-250));
  });
  it('ES at α = 1 is the worst loss (the limit of an empty tail)', () => {
    const p = Float64Array.from([-1234.5678, -1, 5, 3]);
    expect(expectedShortfall(p, 0, 4, 1, new Float64Array(4))).toBe(1234.5678);
  });
  it('worst loss is floored at zero when every scenario gains', () => {
    expect(worstLoss(new Float64Array([1, 2, 3]), 0, 3)).toBe(0);
  });
  it('ES ≥ VaR at the same α, and both ≤ worst loss (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0.9, 0.95, 0.975, 0.99, 0.995),
        (values, alpha) => {
          const p = Float64Array.from(values);
          const s = new Float64Array(p.length);
          const v = valueAtRisk(p, 0, p.length, alpha, s);
          const es = expectedShortfall(p, 0, p.length, alpha, s);
          const worst = -Math.min(...values);
          const tol = 1e-9 * Math.max(1, Math.abs(worst));
          expect(es).toBeGreaterThanOrEqual(v - tol);
          expect(es).toBeLessThanOrEqual(worst + tol);
        },
      ),
    );
  });
});

describe('selectKth', () => {
  it('agrees with a full sort for every k (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 200 }), fc.nat(), (values, kSeed) => {
        const k = kSeed % values.length;
        const a = Float64Array.from(values);
        const sorted = [...values].sort((x, y) => x - y);
        expect(selectKth(a, a.length, k)).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
      }),
    );
  });
});
