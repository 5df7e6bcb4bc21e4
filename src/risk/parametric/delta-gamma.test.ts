import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { fillCounterNormals, NORMAL_STREAM } from '../../scenarios/monte-carlo/counter-rng.js';
import { cholesky } from '../../numerics/covariance.js';
import { cornishFisherQuantile, cornishFisherVaR } from './cornish-fisher.js';
import { deltaGammaCornishFisherVaR, deltaGammaCumulants, deltaGammaNormalVaR } from './delta-gamma.js';
import { deltaNormal } from './delta-normal.js';

describe('Cornish–Fisher quantile (var-es.md §4 table)', () => {
  it.each([
    [0, 0, -2.326347874, -1.9599639845],
    [-0.5, 3, -3.3012844922, -2.3663890234],
    [-1, 6, -4.0880522376, -2.699780424],
    [0.5, 3, -2.5659687537, -1.8928125533],
  ])('S = %s, K = %s → z_cf at α 0.99 = %s, at α 0.975 = %s', (s, k, z99, z975) => {
    expect(cornishFisherQuantile(0.99, s, k)).toBeCloseTo(z99, 9);
    expect(cornishFisherQuantile(0.975, s, k)).toBeCloseTo(z975, 9);
  });
  it('VaR = −(μ + z_cf σ): a positive loss; negative skew raises it', () => {
    expect(cornishFisherVaR(0, 100, 0, 0, 0.99)).toBeCloseTo(232.6347874, 6);
    expect(cornishFisherVaR(10, 100, -0.5, 3, 0.99)).toBeCloseTo(320.12844922, 6);
  });
});

describe('delta-gamma cumulants', () => {
  it('Γ = 0 reduces to delta-normal: κ1 = κ3 = κ4 = 0, κ2 = δᵀΣδ, same VaR', () => {
    const delta = Float64Array.of(1_000_000, -500_000);
    const cov = Float64Array.of(0.0004, 0.0003, 0.0003, 0.0009);
    const c = deltaGammaCumulants(delta, new Float64Array(4), cov);
    expect(c.k1).toBe(0);
    expect(c.k2).toBeCloseTo(3.25e8, 4);
    expect(c.k3).toBe(0);
    expect(c.k4).toBe(0);
    expect(deltaGammaNormalVaR(c, 0.99)).toBeCloseTo(deltaNormal({ exposures: delta, covariance: cov, alpha: 0.99 }).valueAtRisk, 6);
    expect(deltaGammaCornishFisherVaR(c, 0.99)).toBeCloseTo(41938.832722, 6);
  });
  it('pure gamma in one dimension: ΔP = ½gσ²·χ²₁, κ_r = (½gσ²)^r 2^{r−1}(r−1)!', () => {
    const g = -2e6;
    const s2 = 0.0009;
    const c = deltaGammaCumulants(Float64Array.of(0), Float64Array.of(g), Float64Array.of(s2));
    const h = 0.5 * g * s2;
    expect(c.k1).toBeCloseTo(h, 9);
    expect(c.k2 / (2 * h ** 2)).toBeCloseTo(1, 14);
    expect(c.k3 / (8 * h ** 3)).toBeCloseTo(1, 14);
    expect(c.k4 / (48 * h ** 4)).toBeCloseTo(1, 14);
    // χ²₁: skewness √8, excess kurtosis 12 (sign of skew follows g).
    expect(c.skewness).toBeCloseTo(-Math.sqrt(8), 12);
    expect(c.excessKurtosis).toBeCloseTo(12, 12);
  });
  it('agree with a simulation of ΔP = δᵀx + ½xᵀΓx, x ~ N(0, Σ) (2 assets, correlated, mixed gamma)', () => {
    const delta = Float64Array.of(200_000, -150_000);
    const gamma = Float64Array.of(-4e6, 1e6, 1e6, 2e6);
    const cov = Float64Array.of(0.0009, 0.0006, 0.0006, 0.0016);
    const c = deltaGammaCumulants(delta, gamma, cov);
    const { factor: l } = cholesky(cov, 2);
    const n = 400_000;
    const z = new Float64Array(2);
    const pnl = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      fillCounterNormals(3, s, NORMAL_STREAM, z, 0, 2);
      const x0 = l[0]! * z[0]!;
      const x1 = l[2]! * z[0]! + l[3]! * z[1]!;
      pnl[s] = delta[0]! * x0 + delta[1]! * x1 + 0.5 * (gamma[0]! * x0 * x0 + 2 * gamma[1]! * x0 * x1 + gamma[3]! * x1 * x1);
    }
    let mean = 0;
    for (const p of pnl) mean += p;
    mean /= n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const p of pnl) {
      const d = p - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const sd = Math.sqrt(c.k2);
    expect(Math.abs(mean - c.k1)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(Math.abs(m2 / c.k2 - 1)).toBeLessThan(0.02);
    expect(Math.abs(m3 / m2 ** 1.5 - c.skewness)).toBeLessThan(0.05 * Math.max(1, Math.abs(c.skewness)));
    expect(Math.abs((m4 / (m2 * m2) - 3) / c.excessKurtosis - 1)).toBeLessThan(0.1);
    // The book is net short gamma in asset 0: negative skew, so Cornish–Fisher VaR > delta-gamma-normal VaR.
    expect(c.skewness).toBeLessThan(0);
    expect(deltaGammaCornishFisherVaR(c, 0.99)).toBeGreaterThan(deltaGammaNormalVaR(c, 0.99));
  });
  it('sign convention: long gamma lowers VaR below delta-normal, short gamma raises it (κ1 = ½tr(ΓΣ))', () => {
    const delta = Float64Array.of(1e6);
    const cov = Float64Array.of(0.0004);
    const dn = deltaNormal({ exposures: delta, covariance: cov, alpha: 0.99 }).valueAtRisk;
    const long = deltaGammaCumulants(delta, Float64Array.of(5e6), cov);
    const short = deltaGammaCumulants(delta, Float64Array.of(-5e6), cov);
    expect(long.k1).toBeCloseTo(1000, 9);
    expect(short.k1).toBeCloseTo(-1000, 9);
    expect(deltaGammaCornishFisherVaR(long, 0.99)).toBeLessThan(dn);
    expect(deltaGammaCornishFisherVaR(short, 0.99)).toBeGreaterThan(dn);
    expect(deltaGammaNormalVaR(short, 0.99)).toBeGreaterThan(deltaGammaNormalVaR(long, 0.99));
  });
  it('scaling the book by k scales κ_r by k^r: S and K are invariant, VaR scales by k (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (d, g, k) => {
          const delta = Float64Array.from(d);
          const gamma = Float64Array.of(g[0]!, g[1]!, g[1]!, g[2]!);
          const cov = Float64Array.of(0.0009, 0.0003, 0.0003, 0.0004);
          const c = deltaGammaCumulants(delta, gamma, cov);
          fc.pre(c.k2 > 1e-6);
          const ck = deltaGammaCumulants(Float64Array.from(d, (x) => k * x), gamma.map((x) => k * x), cov);
          expect(ck.k2 / (k * k * c.k2)).toBeCloseTo(1, 9);
          expect(Math.abs(ck.skewness - c.skewness)).toBeLessThan(1e-8 * Math.max(1, Math.abs(c.skewness)));
          const v = deltaGammaCornishFisherVaR(c, 0.99);
          expect(Math.abs(deltaGammaCornishFisherVaR(ck, 0.99) - k * v)).toBeLessThan(1e-8 * Math.max(1, Math.abs(k * v)));
        },
      ),
    );
  });
  it('bad inputs are MODEL_PARAMS_INVALID naming the field', () => {
    const fieldOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        if (e instanceof CrossmarginError) return e.field;
      }
      return 'no error';
    };
    expect(fieldOf(() => deltaGammaCumulants(Float64Array.of(1, 2), Float64Array.of(1), Float64Array.of(1, 0, 0, 1)))).toBe('gamma');
    expect(fieldOf(() => deltaGammaCumulants(Float64Array.of(1), Float64Array.of(0), Float64Array.of(Number.NaN)))).toBe('covariance[0]');
    const c = deltaGammaCumulants(Float64Array.of(1), Float64Array.of(0), Float64Array.of(1));
    expect(fieldOf(() => deltaGammaNormalVaR(c, 1.5))).toBe('alpha');
  });
});
