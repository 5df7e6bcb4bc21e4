import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logReturns } from '../../market/log-returns.js';
import { horizonLogReturns } from './horizon-returns.js';

const closes = fc
  .array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 80 })
  .map((xs) => Float64Array.from(xs));

describe('horizon log returns (var-es.md §8)', () => {
  it('overlapping: r_t = ln(c_t / c_{t−h}), one per end day with h earlier closes', () => {
    const c = Float64Array.from([100, 110, 99, 120, 90]);
    const r = horizonLogReturns(c, 2, 'overlapping');
    expect(Array.from(r)).toEqual([Math.log(99 / 100), Math.log(120 / 110), Math.log(90 / 99)]);
  });
  it('sqrt: the 1-day return ending on the same day × √h', () => {
    const c = Float64Array.from([100, 110, 99, 120, 90]);
    const r = horizonLogReturns(c, 2, 'sqrt');
    expect(r.length).toBe(3);
    expect(r[0]).toBeCloseTo(Math.SQRT2 * Math.log(99 / 110), 15);
    expect(r[2]).toBeCloseTo(Math.SQRT2 * Math.log(90 / 120), 15);
  });
  it('h = 1: both methods are the daily log returns', () => {
    fc.assert(
      fc.property(closes, (c) => {
        const daily = logReturns(c);
        expect(Array.from(horizonLogReturns(c, 1, 'overlapping'))).toEqual(Array.from(daily));
        expect(Array.from(horizonLogReturns(c, 1, 'sqrt'))).toEqual(Array.from(daily));
      }),
    );
  });
  it('overlapping h-day returns are sums of h daily log returns; sqrt ones are √h × the last (property)', () => {
    fc.assert(
      fc.property(closes, fc.integer({ min: 1, max: 10 }), (c, h) => {
        const daily = logReturns(c);
        const over = horizonLogReturns(c, h, 'overlapping');
        const sq = horizonLogReturns(c, h, 'sqrt');
        expect(over.length).toBe(Math.max(c.length - h, 0));
        for (let k = 0; k < over.length; k++) {
          let sum = 0;
          for (let j = k; j < k + h; j++) sum += daily[j] as number;
          expect(over[k] as number).toBeCloseTo(sum, 9);
          expect(sq[k] as number).toBeCloseTo(Math.sqrt(h) * (daily[k + h - 1] as number), 12);
        }
      }),
    );
  });
  it('reuses the out buffer (a view of its prefix) and rejects one too short', () => {
    const c = Float64Array.from([1, 2, 4, 8]);
    const out = new Float64Array(10);
    const r = horizonLogReturns(c, 1, 'overlapping', out);
    expect(r.buffer).toBe(out.buffer);
    expect(r.length).toBe(3);
    expect(() => horizonLogReturns(c, 1, 'overlapping', new Float64Array(2))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
  it('rejects an MPOR that is not a whole number of days ≥ 1', () => {
    for (const h of [0, -1, 1.5, Number.NaN]) {
      expect(() => horizonLogReturns(Float64Array.from([1, 2]), h, 'sqrt')).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'mpor' }));
    }
  });
});
