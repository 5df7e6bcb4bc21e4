import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { liquidationPrice } from './liquidation-price.js';

describe('liquidationPrice', () => {
  it('finds the closed-form root of a linear long account below today', () => {
    // Long q = 2 at S0 = 66,000 with C = 20,000 and maintenance 5 % of notional: k* = (q S0 − C)/(q S0 (1 − m)).
    const q = 2;
    const S0 = 66000;
    const C = 20000;
    const m = 0.05;
    const r = liquidationPrice((k) => ({ equity: C + q * S0 * (k - 1), maintenance: m * q * S0 * k }));
    const expected = (q * S0 - C) / (q * S0 * (1 - m));
    expect(r.surplus).toBeCloseTo(C - m * q * S0, 9);
    expect(r.below).toBeDefined();
    expect(Math.abs((r.below as number) / expected - 1)).toBeLessThan(1e-9);
    expect(r.above).toBeUndefined();
  });

  it('finds the nearest crossing on each side of a short-volatility account', () => {
    // Surplus 1 − 25 (k − 1)²: crossings at 0.8 and 1.2.
    const r = liquidationPrice((k) => ({ equity: 1 - 25 * (k - 1) ** 2, maintenance: 0 }));
    expect(r.below).toBeCloseTo(0.8, 8);
    expect(r.above).toBeCloseTo(1.2, 8);
  });

  it('reports the nearest of several crossings', () => {
    // Below maintenance for k in (0.5, 0.7) and again below 0.3: the nearest crossing below is 0.7.
    const r = liquidationPrice((k) => ({ equity: k > 0.7 || (k > 0.3 && k < 0.5) ? 1 : -1, maintenance: 0 }));
    expect(r.below).toBeCloseTo(0.7, 8);
  });

  it('reports none when equity never meets maintenance in range, with bounded evaluations', () => {
    const r = liquidationPrice(() => ({ equity: 10, maintenance: 1 }));
    expect(r.below).toBeUndefined();
    expect(r.above).toBeUndefined();
    // 1 at k = 1, ⌈ln 100 / 0.01⌉ = 461 each side.
    expect(r.evaluations).toBe(1 + 461 + 461);
  });

  it('respects low/high: a crossing outside the range is not reported', () => {
    const f = (k: number) => ({ equity: k, maintenance: 0.05 });
    expect(liquidationPrice(f).below).toBeCloseTo(0.05, 8);
    expect(liquidationPrice(f, { low: 0.1 }).below).toBeUndefined();
  });

  it('reports the recovery scales of an account already below maintenance', () => {
    const r = liquidationPrice((k) => ({ equity: k, maintenance: 1.5 }));
    expect(r.surplus).toBeLessThan(0);
    expect(r.below).toBeUndefined();
    expect(r.above).toBeCloseTo(1.5, 8);
  });

  it('is deterministic', () => {
    const f = (k: number) => ({ equity: Math.exp(k) - 1, maintenance: 0.9 });
    expect(liquidationPrice(f)).toEqual(liquidationPrice(f));
  });

  it('validates its options naming the field', () => {
    const f = () => ({ equity: 1, maintenance: 0 });
    for (const [options, field] of [
      [{ low: 1 }, 'liquidationSearch.low'],
      [{ high: 0.5 }, 'liquidationSearch.high'],
      [{ tolerance: 0 }, 'liquidationSearch.tolerance'],
      [{ gridStep: -1 }, 'liquidationSearch.gridStep'],
    ] as const) {
      try {
        liquidationPrice(f, options);
        expect.unreachable();
      } catch (error) {
        expect((error as CrossmarginError).field).toBe(field);
      }
    }
  });

  it('refuses non-finite evaluations', () => {
    expect(() => liquidationPrice((k) => ({ equity: k < 0.9 ? Number.NaN : 1, maintenance: 0 }))).toThrow(/not finite/);
  });
});
