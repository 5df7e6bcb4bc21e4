import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHarDataset, HAR_MONTH, HAR_WEEK, harFeaturesAt, sliceHarFeatures } from './har-features.js';

const returnsArb = (minLength: number, maxLength: number): fc.Arbitrary<Float64Array> =>
  fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength, maxLength }).map((xs) => Float64Array.from(xs));

/** r_t = (t + 1) / 1000, so r_t² = (t + 1)² · 1e-6 and window means have closed forms. */
const ramp = (n: number): Float64Array => Float64Array.from({ length: n }, (_, t) => (t + 1) / 1000);
const meanSq = (from: number, to: number): number => {
  let s = 0;
  for (let k = from; k <= to; k++) s += ((k + 1) / 1000) ** 2;
  return s / (to - from + 1);
};

describe('HAR features (Corsi 2009, r² as realised variance)', () => {
  it('builds RV_d, RV_w (5 days) and RV_m (22 days) of each day and the next-day target', () => {
    const r = ramp(30);
    const data = buildHarDataset(r);
    expect(HAR_WEEK).toBe(5);
    expect(HAR_MONTH).toBe(22);
    expect(data.firstDay).toBe(21);
    expect(data.features.daily.length).toBe(9); // days 21..29
    expect(data.labelled).toBe(8); // day 29 is today: no target yet
    expect(data.features.daily[0]).toBeCloseTo(22 ** 2 * 1e-6, 18);
    expect(data.features.weekly[0]).toBeCloseTo(meanSq(17, 21), 18);
    expect(data.features.monthly[0]).toBeCloseTo(meanSq(0, 21), 18);
    expect(data.target[0]).toBeCloseTo(23 ** 2 * 1e-6, 18);
    expect(data.features.monthly[8]).toBeCloseTo(meanSq(8, 29), 18);
    expect(data.target[8]).toBeNaN();
  });
  it('uses the mean of the next h squared returns as the target for horizon h', () => {
    const data = buildHarDataset(ramp(30), { horizon: 3 });
    expect(data.labelled).toBe(6);
    expect(data.target[0]).toBeCloseTo(meanSq(22, 24), 18);
    expect(data.target[5]).toBeCloseTo(meanSq(27, 29), 18);
    expect(data.target[6]).toBeNaN();
  });
  it('a single row from a prefix equals the batch row bit for bit', () => {
    const r = ramp(40).map((x, i) => (i % 3 === 0 ? -x : x));
    const data = buildHarDataset(r);
    for (let t = 21; t < 40; t++) {
      const row = harFeaturesAt(r.subarray(0, t + 1), t);
      const i = t - 21;
      expect(Object.is(row.daily, data.features.daily[i])).toBe(true);
      expect(Object.is(row.weekly, data.features.weekly[i])).toBe(true);
      expect(Object.is(row.monthly, data.features.monthly[i])).toBe(true);
    }
    const view = sliceHarFeatures(data.features, 2, 5);
    expect(view.weekly.length).toBe(3);
    expect(view.weekly[0]).toBe(data.features.weekly[2]);
  });
  it('has no look-ahead: perturbing r_{t+1} never changes the features of days ≤ t (property)', () => {
    fc.assert(
      fc.property(returnsArb(23, 80), fc.nat(), fc.double({ min: -1, max: 1, noNaN: true }), (r, pick, bump) => {
        const t = 21 + (pick % (r.length - 22)); // 21 ≤ t ≤ n − 2
        const changed = Float64Array.from(r);
        changed[t + 1] = (changed[t + 1] as number) + bump + 0.01;
        const a = buildHarDataset(r);
        const b = buildHarDataset(changed);
        for (let i = 0; i <= t - 21; i++) {
          expect(Object.is(a.features.daily[i], b.features.daily[i])).toBe(true);
          expect(Object.is(a.features.weekly[i], b.features.weekly[i])).toBe(true);
          expect(Object.is(a.features.monthly[i], b.features.monthly[i])).toBe(true);
        }
        // ...while the target of day t (tomorrow's r²) is exactly what moved.
        expect(b.target[t - 21]).toBe((changed[t + 1] as number) ** 2);
      }),
    );
  });
  it('rejects short or non-finite returns (HISTORY_INVALID) and a bad horizon (MODEL_PARAMS_INVALID), naming the field', () => {
    expect(() => buildHarDataset(ramp(21))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'returns' }));
    const bad = ramp(30);
    bad[7] = Number.NaN;
    expect(() => buildHarDataset(bad)).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'returns.7' }));
    expect(() => buildHarDataset(ramp(30), { horizon: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'horizon' }));
    expect(() => buildHarDataset(ramp(30), { horizon: 1.5 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'horizon' }));
  });
});
