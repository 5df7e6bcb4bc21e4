import { describe, expect, it } from 'vitest';
import { logReturns } from '../../market/log-returns.js';
import { filterHistoricalReturns } from '../../scenarios/history/filtered-scenarios.js';
import { simulateGarch } from '../../scenarios/history/history-test-fixtures.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { realisedVolProxy } from '../../scenarios/history/vol-move-shifts.js';
import { ewmaVariance } from '../../numerics/volatility-filters.js';
import { learnedVarianceFilter, realisedVolFromForecaster, sigmaSeriesFromForecaster, varianceSeriesFromForecaster } from './sigma-series-from-forecaster.js';
import { ewmaForecaster, harForecaster, walkForwardVolForecast } from './vol-forecaster.js';

const r = simulateGarch(400, 2e-6, 0.1, 0.85, 8);

describe('σ series for FHS from a forecaster', () => {
  it('has FHS’s shape: n + 1 slots, slot j = σ_{j|j−1}, slot n = tomorrow; EWMA reproduces ewmaVariance exactly', () => {
    const v = varianceSeriesFromForecaster(r, ewmaForecaster({ lambda: 0.94 }), { trainWindow: 120, refitEvery: 20 });
    const reference = ewmaVariance(r, 0.94);
    expect(v.length).toBe(401);
    for (let j = 0; j <= 400; j++) expect(Object.is(v[j], reference[j])).toBe(true);
  });
  it('learned slots from the walk-forward run, EWMA warm-up before them (or NaN with warmUp none)', () => {
    const options = { trainWindow: 150, refitEvery: 25 };
    const sigma = sigmaSeriesFromForecaster(r, harForecaster(), options);
    const wf = walkForwardVolForecast(r, harForecaster(), options);
    const warm = ewmaVariance(r, 0.94);
    expect(sigma[0]).toBeNaN();
    for (let j = 1; j < 150; j++) expect(sigma[j]).toBe(Math.sqrt(warm[j] as number));
    for (let j = 150; j <= 400; j++) expect(sigma[j]).toBe(Math.sqrt(wf.variance[j] as number));
    const bare = sigmaSeriesFromForecaster(r, harForecaster(), { ...options, warmUp: 'none' });
    expect(bare[149]).toBeNaN();
    expect(bare[150]).toBe(sigma[150]);
    const slow = sigmaSeriesFromForecaster(r, harForecaster(), { ...options, warmUpLambda: 0.97 });
    expect(slow[100]).toBe(Math.sqrt(ewmaVariance(r, 0.97)[100] as number));
    expect(() => sigmaSeriesFromForecaster(r, harForecaster(), { ...options, warmUp: 'zero' as never })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'warmUp' }));
    expect(() => sigmaSeriesFromForecaster(r, harForecaster(), { ...options, warmUpLambda: 1 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'warmUpLambda' }));
  });
  it('has no look-ahead: changing r_k leaves slots ≤ k unchanged, warm-up included', () => {
    const changed = Float64Array.from(r);
    changed[100] = 0.3;
    const a = varianceSeriesFromForecaster(r, harForecaster(), { trainWindow: 150, refitEvery: 25 });
    const b = varianceSeriesFromForecaster(changed, harForecaster(), { trainWindow: 150, refitEvery: 25 });
    for (let j = 0; j <= 100; j++) expect(Object.is(a[j], b[j])).toBe(true);
    expect(b[101]).not.toBe(a[101]);
  });
  it('drives the FHS rescaling on the bundled BTC history the way buildFilteredScenarios uses its filter', () => {
    const close = loadMarketHistory(['BTC']).close[0] as Float64Array;
    const returns = logReturns(close.subarray(close.length - 900));
    const T = returns.length;
    const filter = learnedVarianceFilter(harForecaster(), { trainWindow: 500, refitEvery: 21 });
    const variance = filter(returns);
    expect(Array.from(variance)).toEqual(Array.from(varianceSeriesFromForecaster(returns, harForecaster(), { trainWindow: 500, refitEvery: 21 })));
    expect(variance.length).toBe(T + 1);
    // FHS sqrt MPOR: scenario dates t = T − 249..T use r[t − 1] standardised by √variance[t − 1], rescaled to √variance[T].
    const raw = returns.subarray(T - 250, T);
    const sd = variance.subarray(T - 250, T).map(Math.sqrt);
    const scenarios = filterHistoricalReturns(raw, sd, Math.sqrt(variance[T] as number));
    expect(scenarios.every((x) => Number.isFinite(x))).toBe(true);
    expect(Math.sqrt(variance[T] as number)).toBeGreaterThan(0.002);
    expect(Math.sqrt(variance[T] as number)).toBeLessThan(0.2);
  });
  it('replaces the realised-vol proxy of scan-range calibration: same date alignment, EWMA reproduces it exactly', () => {
    const close = loadMarketHistory(['BTC']).close[0] as Float64Array;
    const recent = close.subarray(close.length - 700);
    const ewma = realisedVolFromForecaster(recent, ewmaForecaster(), { trainWindow: 300, refitEvery: 21 });
    const proxy = realisedVolProxy(recent, 0.94);
    expect(ewma.length).toBe(recent.length);
    for (let t = 0; t < recent.length; t++) expect(Object.is(ewma[t], proxy[t])).toBe(true);
    const har = realisedVolFromForecaster(recent, harForecaster(), { trainWindow: 300, refitEvery: 21 });
    expect(har.length).toBe(recent.length);
    for (let t = 300; t < recent.length; t++) expect(har[t]).toBeGreaterThan(0);
  });
});
