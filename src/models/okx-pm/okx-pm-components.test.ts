import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { okxBasis, okxDerivMmr, okxIncremental, okxRate, okxStablecoinHedge, okxStressLoss, okxTermStructure, okxVolShock } from './okx-pm-components.js';
import { OKX_MR7_SCALING, OKX_MR9_BANDS_PLACEHOLDER, OKX_VOL_SHOCKS_PLACEHOLDER } from './okx-pm-params.js';

const zero = { mr1: 0, mr2: 0, mr3: 0, mr4: 0, mr5: 0, mr6: 0, mr7: 0, mr9: 0 };

describe('okx-pm components (crypto-venues.md §2)', () => {
  it('TV-O2: MR7 raw 30,000 scales to 10,000 + 20,000 × 2 = 50,000; MR 40,000 → MMR 50,000', () => {
    expect(okxIncremental(30_000, OKX_MR7_SCALING)).toBe(50_000);
    expect(okxDerivMmr({ ...zero, mr1: 40_000, mr7: okxIncremental(30_000, OKX_MR7_SCALING) })).toBe(50_000);
  });

  it('MR7 scaling walks every slice: 800k raw → 10k·1 + 60k·2 + 100k·4 + 130k·6 + 170k·8 + 230k·10 + 100k·12', () => {
    expect(okxIncremental(800_000, OKX_MR7_SCALING)).toBe(10_000 + 120_000 + 400_000 + 780_000 + 1_360_000 + 2_300_000 + 1_200_000);
    expect(okxIncremental(10_000, OKX_MR7_SCALING)).toBe(10_000);
    expect(okxIncremental(0, OKX_MR7_SCALING)).toBe(0);
    expect(okxIncremental(-5, OKX_MR7_SCALING)).toBe(0);
  });

  it('MR7 scaling is continuous and never below the raw charge', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2e6, noNaN: true }), (x) => {
        const y = okxIncremental(x, OKX_MR7_SCALING);
        expect(y).toBeGreaterThanOrEqual(x - 1e-9);
        expect(Math.abs(okxIncremental(x + 1e-3, OKX_MR7_SCALING) - y)).toBeLessThanOrEqual(12e-3 + 1e-6);
      }),
      { numRuns: 200 },
    );
  });

  it('TV-O1 formula: max(max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7) = 1,183.8207318516', () => {
    const mmr = okxDerivMmr({ ...zero, mr1: 1164.4109244719994, mr6: 1164.4109244720003, mr4: 19.4098073796, mr7: 43.67206660410001 });
    expect(mmr).toBeCloseTo(1183.8207318516, 9);
    expect(1.3 * mmr).toBeCloseTo(1538.9669514070802, 9);
  });

  it('derivMMR takes the largest of MR1, MR2, MR6, then adds MR3, MR4, MR5, MR9', () => {
    expect(okxDerivMmr({ ...zero, mr1: 1, mr2: 5, mr6: 3, mr3: 0.5, mr4: 0.25, mr5: 0.125, mr9: 1 })).toBe(6.875);
    expect(okxDerivMmr({ ...zero, mr6: 7, mr7: 2 })).toBe(7);
  });

  it('stress loss: worst P&L as a positive loss, 0 when nothing loses, ties keep the last entry', () => {
    expect(okxStressLoss([5, -3, -7, 2])).toEqual({ loss: 7, index: 2 });
    expect(okxStressLoss([1, 2]).loss).toBe(0);
    expect(okxStressLoss([-4, -4, -4]).index).toBe(2);
    expect(okxStressLoss([]).loss).toBe(0);
  });

  it('MR1 IV shock by expiry: first row covering the days to expiry, the last beyond', () => {
    expect(okxVolShock(3, OKX_VOL_SHOCKS_PLACEHOLDER)).toEqual(OKX_VOL_SHOCKS_PLACEHOLDER[0]);
    expect(okxVolShock(30, OKX_VOL_SHOCKS_PLACEHOLDER)).toEqual(OKX_VOL_SHOCKS_PLACEHOLDER[1]);
    expect(okxVolShock(400, [{ maxDays: 7, up: 1, down: 0.5 }])).toEqual({ maxDays: 7, up: 1, down: 0.5 });
  });

  it('MR3: only vega that offsets across expiries is charged', () => {
    expect(okxTermStructure([100, 50], 0.25)).toBe(0);
    expect(okxTermStructure([100], 0.25)).toBe(0);
    expect(okxTermStructure([100, -60], 0.25)).toBeCloseTo(0.25 * 120, 12);
    expect(okxTermStructure([], 0.25)).toBe(0);
  });

  it('MR4: perpetual at the 0.2 % floor (TV-O1: 9,704.9036898 → 19.4098073796); a 1-year future at 5 %; expiries do not net', () => {
    expect(okxBasis([{ deltaUsd: -9704.9036898, tauYears: 0 }], 0.05, 0.002)).toBeCloseTo(19.4098073796, 10);
    expect(okxBasis([{ deltaUsd: 1000, tauYears: 1 }], 0.05, 0.002)).toBeCloseTo(50, 12);
    expect(okxBasis([{ deltaUsd: 1000, tauYears: 0 }, { deltaUsd: -1000, tauYears: 0.5 }], 0.05, 0.002)).toBeCloseTo(2 + 25, 12);
  });

  it('MR5: rate shock on the options forward carry, |Σ Δ·T| · Δr', () => {
    expect(okxRate([{ deltaUsd: 10_000, tauYears: 0.5 }], 0.01)).toBeCloseTo(50, 12);
    expect(okxRate([{ deltaUsd: 10_000, tauYears: 0.5 }, { deltaUsd: -5_000, tauYears: 1 }], 0.01)).toBe(0);
    expect(okxRate([], 0.01)).toBe(0);
  });

  it('MR9: a USDT delta hedging USD delta pays the band rate on the hedged amount; same-sign deltas pay nothing', () => {
    const price = (c: string): number => (c === 'USDT' ? 1 : 0.99);
    expect(okxStablecoinHedge({ USDT: 2_000_000, USD: -1_500_000 }, ['USDT', 'USDC'], price, OKX_MR9_BANDS_PLACEHOLDER)).toEqual({
      charge: 1_000_000 * 0.005 + 500_000 * 0.01,
      hedged: { USDT: 1_500_000 },
    });
    expect(okxStablecoinHedge({ USDT: 1, USD: 1 }, ['USDT'], price, OKX_MR9_BANDS_PLACEHOLDER).charge).toBe(0);
    // A depegged coin (0.99 < 0.995) falls in the lower band.
    expect(okxStablecoinHedge({ USDC: -1000, USD: 1000 }, ['USDC'], price, OKX_MR9_BANDS_PLACEHOLDER).charge).toBeCloseTo(1000 * 0.99 * 0.02, 12);
  });
});
