import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/seeded-random.js';
import { normalStream, simulateGarch } from '../../scenarios/history/history-test-fixtures.js';
import { buildHarDataset, sliceHarFeatures, type HarFeatures } from './har-features.js';
import { fitHar, HAR_MIN_VARIANCE, predictHar, predictHarRow } from './har-model.js';
import { qlike } from './qlike.js';

function randomFeatures(rows: number, seed: number): HarFeatures {
  const u = mulberry32(seed);
  const daily = Float64Array.from({ length: rows }, () => 1e-4 * u() * 4);
  const weekly = Float64Array.from({ length: rows }, () => 1e-4 * (0.5 + u()));
  const monthly = Float64Array.from({ length: rows }, () => 1e-4 * (0.7 + 0.6 * u()));
  return { daily, weekly, monthly };
}

describe('HAR-RV model (OLS)', () => {
  it('level: recovers the coefficients of noise-free data exactly', () => {
    const f = randomFeatures(60, 3);
    const y = f.daily.map((d, i) => 2e-6 + 0.2 * d + 0.3 * (f.weekly[i] as number) + 0.4 * (f.monthly[i] as number));
    const m = fitHar(f, y, { transform: 'level' });
    expect(m.transform).toBe('level');
    expect(m.intercept).toBeCloseTo(2e-6, 14);
    expect(m.daily).toBeCloseTo(0.2, 9);
    expect(m.weekly).toBeCloseTo(0.3, 9);
    expect(m.monthly).toBeCloseTo(0.4, 9);
    expect(m.smearing).toBe(1);
    const p = predictHar(m, f);
    for (let i = 0; i < 60; i++) expect((p[i] as number) / (y[i] as number)).toBeCloseTo(1, 9);
  });
  it('log (default): recovers log-linear coefficients and corrects the back-transform bias by smearing', () => {
    const z = normalStream(5);
    const f = randomFeatures(4000, 4);
    // y = exp(a + Σ b ln x) · exp(0.5 u), u ~ N(0, 1): E[exp(0.5u)] = exp(0.125).
    const y = f.daily.map((d, i) => Math.exp(-2 + 0.1 * Math.log(d) + 0.3 * Math.log(f.weekly[i] as number) + 0.4 * Math.log(f.monthly[i] as number) + 0.5 * z()));
    const m = fitHar(f, y);
    expect(m.transform).toBe('log');
    expect(m.logOffset).toBeGreaterThan(0);
    // ε is 1 % of the mean target, so the slopes are close to (not exactly) the generating ones.
    expect(m.weekly).toBeCloseTo(0.3, 1);
    expect(m.monthly).toBeCloseTo(0.4, 1);
    expect(m.smearing).toBeGreaterThan(1);
    // Mean forecast ≈ mean target: the smearing factor undoes exp's median bias.
    const p = predictHar(m, f);
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(p) / mean(y)).toBeCloseTo(1, 1);
  });
  it('forecasts are always ≥ floorFraction · RV_m and > 0 (property)', () => {
    const f = randomFeatures(40, 9);
    const y = f.daily.map((d) => Math.max(1e-4 - 0.5 * d, 0)); // a negative slope: level forecasts can go below zero
    const level = fitHar(f, y, { transform: 'level', floorFraction: 0.1 });
    const log = fitHar(f, y.map((v) => v + 1e-6), { transform: 'log' });
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), (d, w, mo) => {
        const a = predictHarRow(level, { daily: d, weekly: w, monthly: mo });
        const b = predictHarRow(log, { daily: d, weekly: w, monthly: mo });
        expect(a).toBeGreaterThanOrEqual(Math.max(0.1 * mo, HAR_MIN_VARIANCE));
        expect(b).toBeGreaterThanOrEqual(Math.max(0.05 * mo, HAR_MIN_VARIANCE));
        expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
      }),
    );
  });
  it('fitted on a GARCH path, beats the constant (sample-variance) forecast out of sample in QLIKE', () => {
    const r = simulateGarch(3000, 2e-6, 0.1, 0.85, 21);
    const train = buildHarDataset(r.subarray(0, 2000));
    const m = fitHar(sliceHarFeatures(train.features, 0, train.labelled), train.target.subarray(0, train.labelled));
    let constant = 0;
    for (let t = 0; t < 2000; t++) constant += (r[t] as number) ** 2;
    constant /= 2000;
    const test = buildHarDataset(r);
    let lHar = 0;
    let lConst = 0;
    let days = 0;
    for (let i = 2000 - test.firstDay; i < test.labelled; i++) {
      const proxy = test.target[i] as number;
      if (!(proxy > 0)) continue;
      const h = predictHarRow(m, { daily: test.features.daily[i] as number, weekly: test.features.weekly[i] as number, monthly: test.features.monthly[i] as number });
      lHar += qlike(proxy, h);
      lConst += qlike(proxy, constant);
      days++;
    }
    expect(days).toBeGreaterThan(900);
    expect(lHar / days).toBeLessThan(lConst / days);
  });
  it('rejects bad data (HISTORY_INVALID) and bad options (MODEL_PARAMS_INVALID), naming the field', () => {
    const f = randomFeatures(20, 1);
    const y = f.daily.map((d) => d);
    expect(() => fitHar(sliceHarFeatures(f, 0, 5), y.subarray(0, 5))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'targets' }));
    expect(() => fitHar(f, y.subarray(0, 19))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'features' }));
    const neg = Float64Array.from(y);
    neg[3] = -1e-4;
    expect(() => fitHar(f, neg)).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'targets.3' }));
    expect(() => fitHar(f, new Float64Array(20))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'targets' }));
    expect(() => fitHar(f, y, { transform: 'sqrt' as never })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'transform' }));
    expect(() => fitHar(f, y, { floorFraction: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'floorFraction' }));
    const flat: HarFeatures = { daily: new Float64Array(20).fill(1e-4), weekly: new Float64Array(20).fill(1e-4), monthly: new Float64Array(20).fill(1e-4) };
    expect(() => fitHar(flat, y, { transform: 'level' })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'features' }));
  });
});
