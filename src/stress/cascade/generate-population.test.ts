import { describe, expect, it } from 'vitest';
import { isHedged } from './cascade-population.js';
import { testMarket } from './cascade-test-fixtures.js';
import { generatePopulation } from './generate-population.js';

const m = testMarket();
const rates = Float64Array.from([0.08, 0.08, 0.08]);

describe('generatePopulation', () => {
  const p = generatePopulation({ accounts: 5000, seed: 7, underlyings: m.underlyings, prices: m.prices, rates });

  it('starts every account solvent with at least a 5 % buffer over its gross maintenance margin', () => {
    for (let a = 0; a < p.accountCount; a++) {
      let margin = 0;
      for (let e = p.positionStart[a]!; e < p.positionStart[a + 1]!; e++) margin += Math.abs(p.positionQuantity[e]!) * m.prices[p.positionUnderlying[e]!]! * 0.08;
      expect(p.cash[a]).toBeGreaterThanOrEqual(1.05 * margin * (1 - 1e-12));
      expect(p.cash[a]).toBeLessThanOrEqual(5.05 * margin * (1 + 1e-12));
    }
  });

  it('mixes directional books, hedged pairs and basis trades in about the documented shares', () => {
    let hedged = 0;
    let basis = 0;
    for (let a = 0; a < p.accountCount; a++) {
      if (isHedged(p, a)) hedged++;
      const from = p.positionStart[a]!;
      if (p.positionSpot[from] === 1) {
        basis++;
        expect(p.positionUnderlying[from + 1]).toBe(p.positionUnderlying[from]);
        expect(p.positionQuantity[from + 1]).toBe(-p.positionQuantity[from]!);
      }
    }
    // pairs 20 % + basis 15 %.
    expect(hedged / p.accountCount).toBeGreaterThan(0.31);
    expect(hedged / p.accountCount).toBeLessThan(0.39);
    expect(basis / p.accountCount).toBeGreaterThan(0.12);
    expect(basis / p.accountCount).toBeLessThan(0.18);
  });

  it('one-sided populations hold no hedge', () => {
    const longs = generatePopulation({ accounts: 500, seed: 1, underlyings: m.underlyings, prices: m.prices, rates, direction: 'long' });
    expect(Array.from(longs.positionQuantity).every((q) => q > 0)).toBe(true);
    const shorts = generatePopulation({ accounts: 500, seed: 1, underlyings: m.underlyings, prices: m.prices, rates, direction: 'short' });
    expect(Array.from(shorts.positionQuantity).every((q) => q < 0)).toBe(true);
  });

  it('refuses a population of no accounts with a coded error', () => {
    expect(() => generatePopulation({ accounts: 0, seed: 1, underlyings: m.underlyings, prices: m.prices, rates })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'accounts' }));
  });
});
