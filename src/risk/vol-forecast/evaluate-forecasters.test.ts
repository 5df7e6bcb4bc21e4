import { describe, expect, it } from 'vitest';
import { logReturns } from '../../market/log-returns.js';
import { simulateGarch } from '../../scenarios/history/history-test-fixtures.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { evaluateForecasters, formatForecasterComparison, kupiecCoverageTest } from './evaluate-forecasters.js';
import { ewmaForecaster, garchForecaster, gbtForecaster, harForecaster, type VolForecaster } from './vol-forecaster.js';

const forecasters = (): VolForecaster[] => [ewmaForecaster(), garchForecaster(), harForecaster(), harForecaster({ transform: 'level' }), gbtForecaster()];

/** The last `n` daily log returns of an underlying's bundled history. */
function lastReturns(underlying: string, n: number): Float64Array {
  const close = loadMarketHistory([underlying]).close[0] as Float64Array;
  return logReturns(close.subarray(close.length - n - 1));
}

describe('Kupiec POF (backtesting.md §2)', () => {
  it('reproduces the MathWorks vector and the zero-exception edge', () => {
    const k = kupiecCoverageTest(1043, 57, 0.05);
    expect(k.lr).toBeCloseTo(0.46147, 5);
    expect(k.pValue).toBeCloseTo(0.49694, 5);
    expect(kupiecCoverageTest(250, 0, 0.01).lr).toBeCloseTo(-2 * 250 * Math.log(0.99), 12);
    expect(kupiecCoverageTest(100, 1, 0.01).lr).toBeCloseTo(0, 12);
    expect(() => kupiecCoverageTest(10, 11, 0.01)).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'exceptions' }));
  });
});

describe('out-of-sample comparison of the forecasters', () => {
  it('counts margin exceptions r_t < −z σ_t and reports losses against r_t²', () => {
    const r = simulateGarch(600, 2e-6, 0.1, 0.85, 3);
    const sigma = 0.01;
    const constant: VolForecaster = { name: 'c', minFitReturns: 1, minForecastReturns: 1, fit: () => ({ name: 'c', params: {}, forecast: () => sigma * sigma }) };
    const e = evaluateForecasters(r, [constant, ewmaForecaster()], { trainWindow: 100, refitEvery: 50, evaluationDays: 400, confidence: 0.975 });
    expect(e.first).toBe(200);
    expect(e.days).toBe(400);
    const z = 1.959963984540054;
    let x = 0;
    for (let t = 200; t < 600; t++) if ((r[t] as number) < -z * sigma) x++;
    const c = e.rows[0]!;
    expect(c.coverage.exceptions).toBe(x);
    expect(c.coverage.rate).toBe(x / 400);
    expect(c.coverage.expectedRate).toBeCloseTo(0.025, 15);
    expect(c.coverage.meanMargin).toBeCloseTo(1 - Math.exp(-z * sigma), 12);
    expect(c.meanVol).toBeCloseTo(sigma, 15);
    expect(c.fits).toBe(9); // t = 199, 249, …, 599 (the last one is behind tomorrow’s forecast)
    expect(c.coverage.kupiecLR).toBeCloseTo(kupiecCoverageTest(400, x, 0.025).lr, 12);
    expect(() => evaluateForecasters(r, [constant], { trainWindow: 100, refitEvery: 50, evaluationDays: 501 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'evaluationDays' }));
    expect(() => evaluateForecasters(r, [], { trainWindow: 100, refitEvery: 50 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'forecasters' }));
    expect(() => evaluateForecasters(r, [constant], { trainWindow: 100, refitEvery: 50, confidence: 1 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'confidence' }));
  });

  for (const underlying of ['BTC', 'SPX']) {
    it(`${underlying}: every forecaster gives finite positive forecasts and finite losses, deterministically`, () => {
      const r = lastReturns(underlying, 750);
      const options = { trainWindow: 500, refitEvery: 50, evaluationDays: 250 };
      const e = evaluateForecasters(r, forecasters(), options);
      expect(e.rows.map((row) => row.name)).toEqual(['ewma-0.94', 'garch11', 'har-log', 'har-level', 'gbt']);
      expect(e.days).toBe(250);
      for (const w of e.forecasts) {
        for (let j = e.first; j <= r.length; j++) {
          expect(w.variance[j], `${w.name} slot ${j}`).toBeGreaterThan(0);
          expect(Number.isFinite(w.variance[j]), `${w.name} slot ${j}`).toBe(true);
        }
      }
      for (const row of e.rows) {
        expect(Number.isFinite(row.qlike) && row.qlike > 0).toBe(true);
        expect(Number.isFinite(row.mse)).toBe(true);
        expect(Number.isFinite(row.dmQlike)).toBe(true);
        expect(row.coverage.exceptions).toBeLessThanOrEqual(25); // 10× the 2.5 expected: no forecaster is absurd
        expect(row.coverage.kupiecPValue).toBeGreaterThanOrEqual(0);
        expect(row.meanVol).toBeGreaterThan(underlying === 'BTC' ? 0.005 : 0.002);
        expect(row.meanVol).toBeLessThan(0.1);
      }
      const again = evaluateForecasters(r, forecasters(), options);
      expect(again).toEqual(e);
      const table = formatForecasterComparison(e);
      expect(table.split('\n')).toHaveLength(2 + 5);
      expect(table).toContain('| gbt |');
    });
  }
});
