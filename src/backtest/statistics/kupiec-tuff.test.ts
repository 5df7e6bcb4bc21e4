import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstFailureDay, kupiecTuff } from './kupiec-tuff.js';

describe('kupiecTuff (backtesting.md §3)', () => {
  it('reproduces MathWorks tuff: v = 58, p = 0.05 → 1.7354, p 0.18773', () => {
    const r = kupiecTuff(58, 0.05);
    expect(r.firstFailure).toBe(58);
    expect(r.statistic).toBeCloseTo(1.7354, 4);
    expect(r.pValue).toBeCloseTo(0.18773, 5);
  });

  it('v = 1: denominator 1, LR = −2 ln p', () => {
    expect(kupiecTuff(1, 0.05).statistic).toBeCloseTo(-2 * Math.log(0.05), 12);
    expect(kupiecTuff(1, 0.01).statistic).toBeCloseTo(9.2103403720, 9);
  });

  it('no failure: statistic and p-value undefined', () => {
    expect(kupiecTuff(undefined, 0.01)).toEqual({ firstFailure: undefined, statistic: undefined, pValue: undefined });
  });

  it('is smallest when v is near 1/p', () => {
    const at = (v: number): number => kupiecTuff(v, 0.05).statistic!;
    expect(at(20)).toBeLessThan(at(5));
    expect(at(20)).toBeLessThan(at(80));
    expect(at(20)).toBeLessThan(0.1);
  });

  it('is non-negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 1e-4, max: 0.9, noNaN: true }), (v, p) => {
        expect(kupiecTuff(v, p).statistic!).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('rejects a non-positive or fractional day', () => {
    expect(() => kupiecTuff(0, 0.01)).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', field: 'firstFailure' }));
    expect(() => kupiecTuff(2.5, 0.01)).toThrow(expect.objectContaining({ field: 'firstFailure' }));
  });
});

describe('firstFailureDay', () => {
  it('is 1-based and undefined without a failure', () => {
    expect(firstFailureDay(Uint8Array.from([0, 0, 1, 1]))).toBe(3);
    expect(firstFailureDay(Uint8Array.from([1]))).toBe(1);
    expect(firstFailureDay(Uint8Array.from([0, 0]))).toBeUndefined();
  });

  it('rejects values other than 0/1', () => {
    expect(() => firstFailureDay(Uint8Array.from([0, 2]))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'indicators.1' }));
  });
});
