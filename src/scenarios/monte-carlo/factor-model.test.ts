import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { counterNormal } from './counter-rng.js';
import { cholesky, minEigenvalue, sampleCovariance } from '../../numerics/covariance.js';
import { drawFactorReturns, estimateFactorModel, factorCovariance, factorLoadings, type FactorModel } from './factor-model.js';

/** Synthetic aligned returns r_i = α_i + β_i F + σ_ε,i z_i with F = σ_F z_F, from the counter generator (seeded). */
function synthetic(days: number, betas: number[], residualVols: number[], alphas: number[], factorVol: number, seed: number): Float64Array {
  const n = betas.length;
  const out = new Float64Array(days * n);
  for (let t = 0; t < days; t++) {
    const f = factorVol * counterNormal(seed, t, n);
    for (let i = 0; i < n; i++) out[t * n + i] = alphas[i]! + betas[i]! * f + residualVols[i]! * counterNormal(seed, t, i);
  }
  return out;
}

function errorOf(f: () => unknown): CrossmarginError {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return e;
    throw e;
  }
  throw new Error('expected a CrossmarginError');
}

describe('estimateFactorModel (OLS on the factor)', () => {
  const betas = [1, 1.3, 0.7, 2.0, -0.4];
  const residualVols = [0, 0.02, 0.015, 0.04, 0.01];
  const alphas = [0.0005, -0.001, 0.0002, 0.0, 0.0003];
  const factorVol = 0.03;
  const days = 5000;
  const returns = synthetic(days, betas, residualVols, alphas, factorVol, 99);
  const model = estimateFactorModel(returns, days, 5, 0);

  it('recovers the betas within 4 standard errors (SE = σ_ε/(σ_F √T))', () => {
    for (let i = 1; i < 5; i++) {
      const se = residualVols[i]! / (factorVol * Math.sqrt(days));
      expect(Math.abs(model.betas[i]! - betas[i]!)).toBeLessThan(4 * se);
    }
  });
  it('recovers the residual and factor vols within 5 %', () => {
    for (let i = 1; i < 5; i++) expect(model.residualVols[i]! / residualVols[i]!).toBeCloseTo(1, 1);
    expect(Math.abs(model.factorVol / factorVol - 1)).toBeLessThan(0.05);
  });
  it('pins the factor itself to β = 1, σ_ε = 0, R² = 1', () => {
    expect(model.betas[0]).toBe(1);
    expect(model.residualVols[0]).toBe(0);
    expect(model.rSquared[0]).toBe(1);
  });
  it('implied covariance is PSD, factors without repair, and its diagonal equals the sample variances', () => {
    const cov = factorCovariance(model);
    expect(minEigenvalue(cov, 5)).toBeGreaterThan(-1e-18);
    expect(cholesky(cov, 5).repaired).toBe(false);
    const sample = sampleCovariance(returns, days, 5);
    for (let i = 0; i < 5; i++) expect(cov[i * 5 + i]! / sample[i * 5 + i]!).toBeCloseTo(1, 10);
    // Off-diagonals: the factor model's β_i β_j σ_F² is close to the sample covariance (residuals independent).
    expect(cov[1 * 5 + 2]! / sample[1 * 5 + 2]!).toBeCloseTo(1, 1);
  });
  it('rejects a constant factor and a bad factor index naming the field', () => {
    const flat = new Float64Array(2 * 10).fill(0.01);
    expect(errorOf(() => estimateFactorModel(flat, 10, 2, 0)).code).toBe('MODEL_PARAMS_INVALID');
    expect(errorOf(() => estimateFactorModel(returns, days, 5, 5)).field).toBe('factorIndex');
  });
});

describe('factor generator mode', () => {
  const model: FactorModel = {
    factorIndex: 0,
    betas: Float64Array.of(1, 1.5, 0.5),
    residualVols: Float64Array.of(0, 0.03, 0.02),
    factorVol: 0.025,
  };

  it('draws factor + idiosyncratic normals whose covariance matches Σ = ββᵀσ_F² + diag(σ_ε²)', () => {
    const loadings = factorLoadings(model);
    const paths = 100_000;
    const draws = new Float64Array(paths * 3);
    const out = new Float64Array(3);
    const scratch = new Float64Array(4);
    for (let s = 0; s < paths; s++) {
      drawFactorReturns(5, s, loadings, out, scratch);
      draws.set(out, s * 3);
    }
    const sample = sampleCovariance(draws, paths, 3, { demean: false });
    const implied = factorCovariance(model);
    for (let k = 0; k < 9; k++) {
      // Sampling error of a covariance estimate ≈ √((Σ_ii Σ_jj + Σ_ij²)/N); allow 5 of them.
      const i = Math.floor(k / 3);
      const j = k % 3;
      const se = Math.sqrt((implied[i * 3 + i]! * implied[j * 3 + j]! + implied[k]! ** 2) / paths);
      expect(Math.abs(sample[k]! - implied[k]!)).toBeLessThan(5 * se);
    }
  });
  it('rescaled to target vols keeps the model correlations and hits the vols exactly', () => {
    const vols = Float64Array.of(0.04, 0.05, 0.03);
    const { factorLoading: a, residualLoading: b } = factorLoadings(model, vols);
    const implied = factorCovariance(model);
    for (let i = 0; i < 3; i++) expect(Math.hypot(a[i]!, b[i]!)).toBeCloseTo(vols[i]!, 15);
    const rho = (a[1]! * a[2]!) / (vols[1]! * vols[2]!);
    expect(rho).toBeCloseTo(implied[1 * 3 + 2]! / Math.sqrt(implied[4]! * implied[8]!), 14);
  });
  it('rejects a factor whose own beta is not 1 naming the field', () => {
    const bad = { ...model, betas: Float64Array.of(0.9, 1.5, 0.5) };
    expect(errorOf(() => factorCovariance(bad)).field).toBe('factor.betas[0]');
    expect(errorOf(() => factorLoadings({ ...model, residualVols: Float64Array.of(0, -0.1, 0) })).field).toBe('factor.residualVols[1]');
  });
});
