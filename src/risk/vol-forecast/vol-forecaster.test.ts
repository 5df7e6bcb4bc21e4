import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateGarch } from '../../scenarios/history/history-test-fixtures.js';
import { ewmaVariance, fitGarch11, garchVariance } from '../../numerics/volatility-filters.js';
import { buildHarDataset, harFeaturesAt, sliceHarFeatures } from './har-features.js';
import { fitHar, predictHarRow } from './har-model.js';
import { compareForecasters } from './qlike.js';
import { ewmaForecaster, garchForecaster, gbtForecaster, harForecaster, walkForwardVolForecast, type VolForecaster } from './vol-forecaster.js';

const path = simulateGarch(700, 2e-6, 0.1, 0.85, 5);

/** A forecaster that records what it was given: fit lengths/first/last values and forecast lengths. */
function spy(): { forecaster: VolForecaster; fits: { length: number; last: number }[]; forecasts: number[] } {
  const fits: { length: number; last: number }[] = [];
  const forecasts: number[] = [];
  const forecaster: VolForecaster = {
    name: 'spy',
    minFitReturns: 5,
    minForecastReturns: 1,
    fit(returns) {
      fits.push({ length: returns.length, last: returns[returns.length - 1] as number });
      return {
        name: 'spy',
        params: {},
        forecast(r) {
          forecasts.push(r.length);
          return 1e-4;
        },
      };
    },
  };
  return { forecaster, fits, forecasts };
}

describe('the four forecasters', () => {
  it('EWMA: the forecast is ewmaVariance’s last slot, and its walk-forward series is the EWMA filter itself', () => {
    const f = ewmaForecaster({ lambda: 0.94 }).fit(path);
    expect(f.forecast(path.subarray(0, 300))).toBe(ewmaVariance(path.subarray(0, 300), 0.94)[300]);
    const wf = walkForwardVolForecast(path, ewmaForecaster(), { trainWindow: 50, refitEvery: 10 });
    const full = ewmaVariance(path, 0.94);
    for (let j = 50; j <= 700; j++) expect(Object.is(wf.variance[j], full[j])).toBe(true);
    expect(wf.variance[49]).toBeNaN();
  });
  it('GARCH: fit = fitGarch11 (zero mean) on the window, forecast = σ²_{t+1} of the filter with those parameters', () => {
    const window = path.subarray(100, 600);
    const fitted = garchForecaster().fit(window);
    const p = fitGarch11(window, { mean: 'zero' }).params;
    expect(fitted.params).toEqual({ omega: p.omega, alpha: p.alpha, beta: p.beta });
    expect(fitted.forecast(path.subarray(0, 650))).toBeCloseTo(garchVariance(p, path.subarray(0, 650))[650] as number, 18);
  });
  it('HAR: fit = fitHar on the labelled rows of the window, forecast = the model at the last day', () => {
    const window = path.subarray(0, 400);
    const fitted = harForecaster().fit(window);
    const data = buildHarDataset(window);
    const m = fitHar(sliceHarFeatures(data.features, 0, data.labelled), data.target.subarray(0, data.labelled));
    expect(fitted.params).toMatchObject({ transform: 'log', intercept: m.intercept, daily: m.daily, weekly: m.weekly, monthly: m.monthly });
    expect(fitted.forecast(path.subarray(0, 450))).toBe(predictHarRow(m, harFeaturesAt(path, 449)));
    expect(harForecaster({ transform: 'level' }).name).toBe('har-level');
  });
  it('GBT: finite positive forecasts, identical for identical inputs, learning from HAR features and |r| lags', () => {
    const g = gbtForecaster({ trees: 40 });
    const a = g.fit(path.subarray(0, 500));
    const b = g.fit(path.subarray(0, 500));
    expect(a.params).toMatchObject({ base: 'har', target: 'log', trees: 40, absLags: 5 });
    for (let t = 500; t < 700; t += 13) {
      const v = a.forecast(path.subarray(0, t));
      expect(v).toBeGreaterThan(0);
      expect(Number.isFinite(v)).toBe(true);
      expect(b.forecast(path.subarray(0, t))).toBe(v);
    }
    const monthly = gbtForecaster({ base: 'monthly', target: 'ratio', trees: 20 }).fit(path.subarray(0, 500));
    expect(monthly.forecast(path)).toBeGreaterThan(0);
  });
  it('rejects bad options with MODEL_PARAMS_INVALID naming the field', () => {
    expect(() => ewmaForecaster({ lambda: 1 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'lambda' }));
    expect(() => gbtForecaster({ absLags: 30 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'absLags' }));
    expect(() => gbtForecaster({ target: 'x' as never })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'target' }));
    expect(() => gbtForecaster({ base: 'x' as never })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'base' }));
    expect(() => gbtForecaster({ floorFraction: 2 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'floorFraction' }));
    expect(() => harForecaster().fit(path.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'returns' }));
  });
});

describe('walk-forward protocol', () => {
  it('refits every k days on a rolling or expanding window and forecasts slot t + 1 from r_0..r_t', () => {
    const r = path.subarray(0, 200);
    const rolling = spy();
    const wf = walkForwardVolForecast(r, rolling.forecaster, { trainWindow: 100, refitEvery: 30 });
    expect(Array.from(wf.fitDays)).toEqual([99, 129, 159, 189]);
    expect(rolling.fits.map((f) => f.length)).toEqual([100, 100, 100, 100]);
    expect(rolling.fits.map((f) => f.last)).toEqual([99, 129, 159, 189].map((t) => r[t]));
    expect(rolling.forecasts).toEqual(Array.from({ length: 101 }, (_, i) => 100 + i));
    expect(wf.first).toBe(100);
    expect(wf.variance.length).toBe(201);
    expect(wf.variance[99]).toBeNaN();
    expect(wf.variance[200]).toBe(1e-4);
    const expanding = spy();
    walkForwardVolForecast(r, expanding.forecaster, { trainWindow: 100, refitEvery: 30, window: 'expanding', firstForecast: 150 });
    expect(expanding.fits.map((f) => f.length)).toEqual([150, 180]);
    expect(expanding.forecasts[0]).toBe(150);
  });
  it('has no look-ahead: a change to r_k never moves slots ≤ k, for every forecaster', () => {
    const r = path.subarray(0, 420);
    const k = 330;
    const changed = Float64Array.from(r);
    changed[k] = 0.2; // a 20 % move: anything that peeked would notice
    const options = { trainWindow: 250, refitEvery: 40 };
    for (const f of [ewmaForecaster(), garchForecaster(), harForecaster(), harForecaster({ transform: 'level' }), gbtForecaster({ trees: 20 })]) {
      const a = walkForwardVolForecast(r, f, options).variance;
      const b = walkForwardVolForecast(changed, f, options).variance;
      for (let j = 0; j <= k; j++) expect(Object.is(a[j], b[j]), `${f.name} slot ${j}`).toBe(true);
      expect(b[k + 1], f.name).not.toBe(a[k + 1]);
    }
  });
  it('has no look-ahead for HAR and GBT at any perturbed day (property)', () => {
    const r = path.subarray(0, 260);
    fc.assert(
      fc.property(fc.integer({ min: 150, max: 259 }), fc.double({ min: -0.3, max: 0.3, noNaN: true }), fc.integer({ min: 1, max: 40 }), (k, value, refitEvery) => {
        const changed = Float64Array.from(r);
        changed[k] = value;
        for (const f of [harForecaster(), gbtForecaster({ trees: 5, minLeafSize: 10 })]) {
          const a = walkForwardVolForecast(r, f, { trainWindow: 150, refitEvery }).variance;
          const b = walkForwardVolForecast(changed, f, { trainWindow: 150, refitEvery }).variance;
          for (let j = 0; j <= k; j++) expect(Object.is(a[j], b[j])).toBe(true);
        }
      }),
      { numRuns: 15 },
    );
  });
  it('learned forecasters beat a constant forecast out of sample on a GARCH path (QLIKE)', () => {
    const r = simulateGarch(2500, 2e-6, 0.1, 0.85, 17);
    const options = { trainWindow: 1000, refitEvery: 100 };
    const constant: VolForecaster = {
      name: 'constant',
      minFitReturns: 1,
      minForecastReturns: 1,
      fit(train) {
        const v = train.reduce((s, x) => s + x * x, 0) / train.length;
        return { name: 'constant', params: { v }, forecast: () => v };
      },
    };
    const series = [constant, harForecaster(), gbtForecaster()].map((f) => walkForwardVolForecast(r, f, options));
    const proxy = r.subarray(1000).map((x) => x * x);
    const result = compareForecasters(proxy, series.map((s) => ({ name: s.name, variance: s.variance.subarray(1000, 2500) })));
    const [, har, gbt] = result.rows;
    expect(har?.qlikeRatio).toBeLessThan(0.97);
    expect(gbt?.qlikeRatio).toBeLessThan(0.97);
  });
  it('rejects bad options and impossible forecasts, naming the field', () => {
    const r = path.subarray(0, 200);
    const f = ewmaForecaster();
    expect(() => walkForwardVolForecast(r, harForecaster(), { trainWindow: 20, refitEvery: 5 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'trainWindow' }));
    expect(() => walkForwardVolForecast(r, f, { trainWindow: 50, refitEvery: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'refitEvery' }));
    expect(() => walkForwardVolForecast(r, f, { trainWindow: 50, refitEvery: 5, window: 'sliding' as never })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'window' }));
    expect(() => walkForwardVolForecast(r, f, { trainWindow: 50, refitEvery: 5, firstForecast: 40 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'firstForecast' }));
    expect(() => walkForwardVolForecast(r, f, { trainWindow: 250, refitEvery: 5 })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'returns' }));
    const zero: VolForecaster = { name: 'zero', minFitReturns: 1, minForecastReturns: 1, fit: () => ({ name: 'zero', params: {}, forecast: () => 0 }) };
    expect(() => walkForwardVolForecast(r, zero, { trainWindow: 50, refitEvery: 5 })).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'returns.49' }));
  });
});
