import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanTierRisk } from './scan-risk.js';
import { scanningSpreadRisk } from './scanning-spread-risk.js';
import { futurePnl } from './span-test-fixtures.js';

describe('scanningSpreadRisk (span.md §4.1)', () => {
  it('two legs: loss of the losing leg − rate × gain of the gaining leg, worst scenario', () => {
    // Long 1 future PSR 3,000 against short 1 future PSR 6,000, gain allowance 80 %.
    // +3/3 (index 10): long gains 3,000, short loses 6,000 → 6,000 − 0.8 × 3,000 = 3,600.
    // −3/3 (index 12): 3,000 − 0.8 × 6,000 = −1,800; +extreme: 4,200 − 0.8 × 2,100 = 2,520. Worst: 3,600.
    const shortLeg = futurePnl(6000).map((v) => 0 - v);
    expect(scanningSpreadRisk([futurePnl(3000), shortLeg], 0.8)).toBeCloseTo(3600, 9);
  });

  it('rate 0 gives no offset at all: Σ of losing legs per scenario; rate 1 = plain netting', () => {
    const shortLeg = futurePnl(6000).map((v) => 0 - v);
    expect(scanningSpreadRisk([futurePnl(3000), shortLeg], 0)).toBe(6000);
    expect(scanningSpreadRisk([futurePnl(3000), shortLeg], 1)).toBe(3000); // net short 1 × PSR 3,000
  });

  it('never above the legs’ standalone scan risks summed (credit ≥ 0), never below 0', () => {
    const arr = fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 16, maxLength: 16 }).map((a) => Float64Array.from(a));
    fc.assert(
      fc.property(fc.array(arr, { minLength: 2, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), (legs, rate) => {
        const combined = scanningSpreadRisk(legs, rate);
        const standalone = legs.reduce((sum, l) => sum + scanTierRisk(l).scanRisk, 0);
        expect(combined).toBeGreaterThanOrEqual(0);
        expect(combined).toBeLessThanOrEqual(standalone + 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
