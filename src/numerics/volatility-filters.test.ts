import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateGarch } from './garch-test-fixtures.js';
import { minimiseNelderMead } from './nelder-mead.js';
import {
  ewmaCovariance,
  ewmaVariance,
  fitGarch11,
  garchForecast,
  garchHalfLife,
  garchHorizonVariance,
  garchLogLikelihood,
  garchLongRunVariance,
  garchPersistence,
  garchTermStructure,
  garchVariance,
  type Garch11Params,
} from './volatility-filters.js';

describe('EWMA (var-es.md §6)', () => {
  const r = Float64Array.from([0.01, -0.02, 0.015, -0.005, 0.03, -0.025, 0.0, 0.012, -0.018, 0.007]);

  it('reproduces the §6 vector: λ = 0.94 → 1.794751941506e-04, λ = 0.97 → 1.462547862661e-04', () => {
    const v94 = ewmaVariance(r, 0.94);
    expect(v94.length).toBe(11);
    expect(v94[10]).toBeCloseTo(1.794751941506e-4, 15);
    expect(Math.sqrt(v94[10] as number)).toBeCloseTo(0.0133968352, 10);
    const v97 = ewmaVariance(r, 0.97);
    expect(v97[10]).toBeCloseTo(1.462547862661e-4, 15);
    expect(Math.sqrt(v97[10] as number)).toBeCloseTo(0.0120935845, 10);
  });
  it('is a forecast series: slot 0 none, slot 1 the seed r₀², slot t uses returns before t only', () => {
    const v = ewmaVariance(r, 0.94);
    expect(v[0]).toBeNaN();
    expect(v[1]).toBeCloseTo(1e-4, 18);
    expect(v[2]).toBeCloseTo(0.94 * 1e-4 + 0.06 * 4e-4, 18);
    const changed = Float64Array.from(r);
    changed[5] = 0.5;
    const w = ewmaVariance(changed, 0.94);
    for (let t = 0; t <= 5; t++) expect(Object.is(w[t], v[t])).toBe(true);
    expect(w[6]).not.toBe(v[6]);
  });
  it('writes into a longer out buffer without allocating a new one', () => {
    const out = new Float64Array(20);
    const v = ewmaVariance(r, 0.94, out);
    expect(v.buffer).toBe(out.buffer);
    expect(v.length).toBe(11);
  });
  it('rejects λ outside (0, 1)', () => {
    expect(() => ewmaVariance(r, 1)).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'lambda' }));
  });
  it('equals the closed form λ^(n−1) r₀² + (1−λ) Σ λ^(n−1−t) r_t² (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        (xs, lambda) => {
          const v = ewmaVariance(Float64Array.from(xs), lambda);
          const n = xs.length;
          let direct = lambda ** (n - 1) * (xs[0] as number) ** 2;
          for (let t = 1; t < n; t++) direct += (1 - lambda) * lambda ** (n - 1 - t) * (xs[t] as number) ** 2;
          expect(v[n] as number).toBeCloseTo(direct, 12);
          expect(v[n] as number).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
  it('reproduces the §6 two-asset covariance and correlation vector', () => {
    const a = Float64Array.from([0.01, -0.02, 0.015, -0.005, 0.03]);
    const b = Float64Array.from([0.008, -0.015, 0.01, 0.002, 0.02]);
    const { covariance, correlation } = ewmaCovariance([a, b], 0.94);
    expect(covariance[0]).toBeCloseTo(1.65347512e-4, 13);
    expect(covariance[1]).toBeCloseTo(1.207988288e-4, 13);
    expect(covariance[2]).toBeCloseTo(1.207988288e-4, 13);
    expect(covariance[3]).toBeCloseTo(9.070801744e-5, 13);
    expect(correlation[1]).toBeCloseTo(0.98637272328, 10);
    expect(correlation[0]).toBeCloseTo(1, 14);
    // The diagonal is the single-asset EWMA.
    expect(covariance[0]).toBeCloseTo(ewmaVariance(a, 0.94)[5] as number, 18);
  });
});

describe('GARCH(1,1) (var-es.md §6)', () => {
  // Fiorentini–Calzolari–Panattoni DEM/GBP estimates; the §6 forecast vector uses ε directly, so μ = 0 here.
  const p: Garch11Params = { mu: 0, omega: 0.0107613, alpha: 0.153134, beta: 0.805974 };

  it('has persistence 0.959108, V_L 0.2631639440, long-run vol 0.5129950721 %, half-life 16.6017 d', () => {
    expect(garchPersistence(p)).toBeCloseTo(0.959108, 12);
    expect(garchLongRunVariance(p)).toBeCloseTo(0.263163944, 9);
    expect(Math.sqrt(garchLongRunVariance(p))).toBeCloseTo(0.5129950721, 9);
    expect(garchHalfLife(p)).toBeCloseTo(16.6017, 4);
  });
  it('forecasts σ²_{t+1} = 0.3653888 from σ²_t = 0.25, ε_t = −1.0, then the term structure and 10-day variance', () => {
    const f = garchForecast(p, 0.25, -1.0, 10);
    expect(f.nextVariance).toBeCloseTo(0.3653888, 12);
    expect(f.variances[0]).toBeCloseTo(0.3653888, 12);
    expect(f.variances[1]).toBeCloseTo(0.3612086212, 9);
    expect(f.variances[4]).toBeCloseTo(0.3496660262, 9);
    expect(f.variances[9]).toBeCloseTo(0.3333683112, 9);
    expect(f.total).toBeCloseTo(3.4848940086, 9);
    expect(garchHorizonVariance(p, f.nextVariance, 10)).toBeCloseTo(3.4848940086, 9);
    // √time would say 10 × σ²_{t+1} = 3.653888: too high when σ²_{t+1} is above V_L.
    expect(10 * f.nextVariance).toBeCloseTo(3.653888, 9);
  });
  it('subtracts μ from the last return', () => {
    const withMean = { ...p, mu: -0.00619041 };
    expect(garchForecast(withMean, 0.25, -1.0 + withMean.mu, 1).nextVariance).toBeCloseTo(0.3653888, 12);
  });
  it('term structure matches V_L + (α+β)^{h−1}(σ²_{t+1} − V_L) (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.69, noNaN: true }),
        fc.double({ min: 1e-4, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (omega, alpha, beta, next, h) => {
          const q = { mu: 0, omega, alpha, beta };
          const vl = garchLongRunVariance(q);
          const ts = garchTermStructure(q, next, h);
          for (let k = 1; k <= h; k++) expect(ts[k - 1] as number).toBeCloseTo(vl + (alpha + beta) ** (k - 1) * (next - vl), 9);
        },
      ),
    );
  });
  it('filters with the backcast start σ²_0 = ω + (α+β)·mean(ε²)', () => {
    const r = Float64Array.from([0.5, -1, 0.25]);
    const v = garchVariance(p, r);
    const mean2 = (0.25 + 1 + 0.0625) / 3;
    expect(v[0]).toBeCloseTo(p.omega + (p.alpha + p.beta) * mean2, 14);
    expect(v[1]).toBeCloseTo(p.omega + p.alpha * 0.25 + p.beta * (v[0] as number), 14);
    expect(v[3]).toBeCloseTo(p.omega + p.alpha * 0.0625 + p.beta * (v[2] as number), 14);
  });

  describe('maximum-likelihood fit on a simulated path', () => {
    // 8000 days of a daily-scale GARCH (V_L = 1e-4, i.e. 1 % a day). Across ten seeds the fit lands within 0.014 of
    // α and β (standard errors ≈ 0.007 at this length); the tolerances below are about three standard errors.
    const truth = { omega: 2e-6, alpha: 0.08, beta: 0.9 };
    const r = simulateGarch(8000, truth.omega, truth.alpha, truth.beta, 20240617);
    const fit = fitGarch11(r);

    it('recovers α within 0.02, β within 0.025 and the persistence within 0.01', () => {
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.02);
      expect(Math.abs(fit.params.beta - truth.beta)).toBeLessThan(0.025);
      expect(Math.abs(fit.persistence - 0.98)).toBeLessThan(0.01);
      expect(fit.params.mu).toBe(0);
      expect(fit.longRunVariance / 1e-4).toBeGreaterThan(0.7);
      expect(fit.longRunVariance / 1e-4).toBeLessThan(1.4);
    });
    it('is a maximum: its likelihood beats the true parameters and nearby points', () => {
      expect(fit.logLikelihood).toBeCloseTo(garchLogLikelihood(fit.params, r), 6);
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood({ mu: 0, ...truth }, r));
      for (const [da, db] of [
        [0.005, 0],
        [-0.005, 0],
        [0, 0.005],
        [0, -0.005],
      ] as const) {
        const q = { ...fit.params, alpha: fit.params.alpha + da, beta: fit.params.beta + db };
        expect(fit.logLikelihood).toBeGreaterThan(garchLogLikelihood(q, r));
      }
    });
    it('does not depend on the units of the returns (percent vs decimal)', () => {
      const pct = fitGarch11(r.map((x) => x * 100));
      expect(pct.params.alpha).toBeCloseTo(fit.params.alpha, 4);
      expect(pct.params.beta).toBeCloseTo(fit.params.beta, 4);
      expect(pct.params.omega / 1e4).toBeCloseTo(fit.params.omega, 9);
    });
    it('estimates a constant mean when asked', () => {
      const shifted = r.map((x) => x + 0.001);
      const withMean = fitGarch11(shifted, { mean: 'constant' });
      expect(withMean.params.mu).toBeCloseTo(0.001, 3);
      expect(Math.abs(withMean.params.alpha - fit.params.alpha)).toBeLessThan(0.01);
    });
  });

  it('refuses too few or constant returns', () => {
    expect(() => fitGarch11(new Float64Array(50))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
    expect(() => fitGarch11(new Float64Array(500))).toThrow(/no variance/);
  });
});

describe('Nelder–Mead', () => {
  it('finds the Rosenbrock minimum (1, 1)', () => {
    const res = minimiseNelderMead((x) => 100 * ((x[1] as number) - (x[0] as number) ** 2) ** 2 + (1 - (x[0] as number)) ** 2, [-1.2, 1], {
      step: 0.5,
      maxEvaluations: 5000,
    });
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 4);
    expect(res.x[1]).toBeCloseTo(1, 4);
  });
  it('walks away from non-finite values', () => {
    const res = minimiseNelderMead((x) => ((x[0] as number) < 0 ? Number.NaN : ((x[0] as number) - 2) ** 2), [1], { step: 1 });
    expect(res.x[0]).toBeCloseTo(2, 5);
  });
});
