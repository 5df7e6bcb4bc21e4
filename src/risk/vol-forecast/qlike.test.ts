import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalStream } from '../../scenarios/history/history-test-fixtures.js';
import { compareForecasters, qlike, squaredError } from './qlike.js';

describe('QLIKE and MSE (Patton 2011)', () => {
  it('QLIKE = σ²/h − ln(σ²/h) − 1: zero at h = σ², known values, scale free', () => {
    expect(qlike(1, 1)).toBe(0);
    expect(qlike(2e-4, 1e-4)).toBeCloseTo(2 - Math.log(2) - 1, 14);
    expect(qlike(1e-4, 2e-4)).toBeCloseTo(0.5 - Math.log(0.5) - 1, 14);
    expect(qlike(0, 1e-4)).toBe(Number.POSITIVE_INFINITY);
    expect(squaredError(3e-4, 1e-4)).toBeCloseTo(4e-8, 20);
  });
  it('is ≥ 0, minimised by the proxy itself, and invariant to a common scale (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1, noNaN: true }), fc.double({ min: 1e-8, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (p, h, k) => {
        expect(qlike(p, h)).toBeGreaterThanOrEqual(-1e-15);
        expect(qlike(p, h)).toBeGreaterThanOrEqual(qlike(p, p) - 1e-15);
        expect(Math.abs(qlike(k * p, k * h) - qlike(p, h))).toBeLessThanOrEqual(1e-12 * (1 + qlike(p, h)));
      }),
    );
  });
  it('ranks the true variance first with a noisy r² proxy, skipping zero-return days for QLIKE only', () => {
    const z = normalStream(3);
    const n = 4000;
    const truth = Float64Array.from({ length: n }, (_, t) => 1e-4 * (1 + 0.8 * Math.sin(t / 40)));
    const proxy = truth.map((v) => v * z() ** 2);
    proxy[10] = 0;
    proxy[20] = 0;
    const flat = new Float64Array(n).fill(truth.reduce((a, b) => a + b) / n);
    const tooLow = truth.map((v) => 0.5 * v);
    const result = compareForecasters(proxy, [
      { name: 'flat', variance: flat },
      { name: 'truth', variance: truth },
      { name: 'tooLow', variance: tooLow },
    ]);
    expect(result.benchmark).toBe('flat');
    expect(result.days).toBe(n);
    expect(result.qlikeDays).toBe(n - 2);
    const [f, t, low] = result.rows as [typeof result.rows[0], typeof result.rows[0], typeof result.rows[0]];
    expect(f.qlikeRatio).toBe(1);
    expect(f.dmQlike).toBe(0);
    expect(t.qlike).toBeLessThan(f.qlike);
    expect(t.qlike).toBeLessThan(low.qlike);
    expect(t.mse).toBeLessThan(f.mse);
    expect(t.dmQlike).toBeLessThan(-2);
    // For standard normal z, E[QLIKE] at the truth is E[z² − ln z² − 1] = 1.2704 (= −E ln z² = γ + ln 2).
    expect(t.qlike).toBeCloseTo(0.5772156649 + Math.log(2), 1);
    const again = compareForecasters(proxy, [{ name: 'truth', variance: truth }, { name: 'flat', variance: flat }], { benchmark: 'flat' });
    expect(again.rows[0]?.qlikeRatio).toBeCloseTo(t.qlike / f.qlike, 14);
  });
  it('rejects misaligned or non-positive forecasts, bad proxies, unknown benchmarks and duplicate names', () => {
    const p = Float64Array.from([1e-4, 2e-4, 0]);
    const ok = { name: 'a', variance: Float64Array.from([1e-4, 1e-4, 1e-4]) };
    expect(() => compareForecasters(p, [{ name: 'a', variance: new Float64Array(2) }])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'forecasts.0.variance' }));
    expect(() => compareForecasters(p, [{ name: 'a', variance: Float64Array.from([1e-4, 0, 1e-4]) }])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'forecasts.0.variance.1' }));
    expect(() => compareForecasters(Float64Array.from([1e-4, -1, 0]), [ok])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'proxy.1' }));
    expect(() => compareForecasters(new Float64Array(3), [ok])).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'proxy' }));
    expect(() => compareForecasters(p, [ok], { benchmark: 'b' })).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'benchmark' }));
    expect(() => compareForecasters(p, [ok, ok])).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'forecasts.1.name' }));
    expect(() => compareForecasters(p, [])).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'forecasts' }));
  });
});
