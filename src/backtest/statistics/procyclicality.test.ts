import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxNDayIncrease, peakToTrough, procyclicality } from './procyclicality.js';

const TOY = Float64Array.from([100, 90, 80, 120, 200, 150]);

describe('procyclicality (backtesting.md §7)', () => {
  it('toy path [100, 90, 80, 120, 200, 150] → peak-to-trough 2.5', () => {
    expect(peakToTrough(TOY)).toBe(2.5);
  });

  it('largest 1-day increase is 200/120; n-day uses IM_t / IM_{t−n}', () => {
    expect(maxNDayIncrease(TOY, 1)).toBeCloseTo(200 / 120, 15);
    expect(maxNDayIncrease(TOY, 2)).toBe(2.5);
    expect(maxNDayIncrease(TOY, 5)).toBe(1.5);
  });

  it('30-day ratio is undefined on a path shorter than 31 days, defined on a longer one', () => {
    expect(procyclicality(TOY)).toEqual({ peakToTrough: 2.5, max1Day: 200 / 120, max30Day: undefined });
    const long = Float64Array.from({ length: 61 }, (_, t) => 100 + t);
    expect(procyclicality(long).max30Day).toBeCloseTo(130 / 100, 15);
  });

  it('a falling path reports its largest ratio even though it is below 1', () => {
    expect(maxNDayIncrease(Float64Array.from([100, 90, 81]), 1)).toBeCloseTo(0.9, 15);
  });

  it('zero margins: peak-to-trough undefined, zero bases skipped', () => {
    const z = Float64Array.from([0, 50, 100, 0, 10]);
    expect(peakToTrough(z)).toBeUndefined();
    expect(maxNDayIncrease(z, 1)).toBe(2);
    expect(maxNDayIncrease(Float64Array.from([0, 0, 5]), 1)).toBeUndefined();
  });

  it('peak-to-trough ≥ every n-day ratio, ≥ 1, and scale free', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 80 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (a, k) => {
        const m = Float64Array.from(a);
        const ptt = peakToTrough(m)!;
        expect(ptt).toBeGreaterThanOrEqual(1);
        expect(ptt * (1 + 1e-12)).toBeGreaterThanOrEqual(maxNDayIncrease(m, 1)!);
        expect(peakToTrough(m.map((v) => v * k))!).toBeCloseTo(ptt, 8);
      }),
    );
  });

  it('rejects negative or non-finite margins naming the day', () => {
    expect(() => peakToTrough(Float64Array.from([1, -1]))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', field: 'margin.1' }));
    expect(() => peakToTrough(Float64Array.from([NaN]))).toThrow(expect.objectContaining({ field: 'margin.0' }));
    expect(() => peakToTrough(new Float64Array(0))).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }));
    expect(() => maxNDayIncrease(TOY, 0)).toThrow(expect.objectContaining({ field: 'n' }));
  });
});
