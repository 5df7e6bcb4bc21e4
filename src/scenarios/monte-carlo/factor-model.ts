import { CrossmarginError } from '../../core/errors.js';
import { fillCounterNormals, NORMAL_STREAM } from './counter-rng.js';

/**
 * One-factor model for altcoins: every asset's daily return is β_i·F + ε_i, with F the factor's return (BTC) and ε_i
 * independent residuals. Few parameters (2 per asset instead of n(n−1)/2 correlations), always PSD, and stable when
 * an altcoin has a short or noisy history (methods/var-es.md §5 "C = chol(Σ)", §7 for why unstable correlations need
 * repair; a factor model never does).
 *
 *   Σ = β βᵀ σ_F² + diag(σ_ε²)        (the factor itself: β = 1, σ_ε = 0)
 *
 * Units: returns, vols and residual vols are daily decimals (0.03 = 3 %); β is dimensionless.
 */
export interface FactorModel {
  /** Index of the factor asset (e.g. BTC) among the assets. */
  readonly factorIndex: number;
  /** β_i per asset; exactly 1 at `factorIndex`. */
  readonly betas: Float64Array;
  /** Residual (idiosyncratic) daily vol σ_ε,i per asset, decimal; exactly 0 at `factorIndex`. */
  readonly residualVols: Float64Array;
  /** Daily vol of the factor σ_F, decimal. */
  readonly factorVol: number;
}

export interface FactorModelEstimate extends FactorModel {
  /** OLS intercepts α_i (daily mean return not explained by the factor), decimal. */
  readonly alphas: Float64Array;
  /** R² of each regression (1 for the factor). */
  readonly rSquared: Float64Array;
}

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field });
}

/**
 * OLS of each asset's returns on the factor's, with intercept, from a `days × assets` row-major returns matrix
 * (aligned days; align first with market/aligned-panel). β_i = cov(r_i, r_F)/var(r_F); σ_ε,i² = SSR_i/(T−1).
 *
 * Divisor choice: T−1 for the factor variance and for the residual variance alike, so the implied variances
 * β_i²σ_F² + σ_ε,i² equal the sample variances of the assets exactly (OLS splits SST = β²·SSF + SSR). The unbiased
 * T−2 residual divisor would break that identity for a difference of 1/T.
 */
export function estimateFactorModel(returns: Float64Array, days: number, assets: number, factorIndex: number, field = 'returns'): FactorModelEstimate {
  if (!Number.isInteger(assets) || assets < 1) throw invalid(`${field}.assets`, `expected a positive integer, got ${assets}`);
  if (!Number.isInteger(days) || days < 3) throw invalid(`${field}.days`, `a regression needs at least 3 aligned days, got ${days}`);
  if (returns.length !== days * assets) throw invalid(field, `expected ${days}×${assets} = ${days * assets} values, got ${returns.length}`);
  if (!Number.isInteger(factorIndex) || factorIndex < 0 || factorIndex >= assets) {
    throw invalid('factorIndex', `expected an asset index in 0..${assets - 1}, got ${factorIndex}`);
  }
  for (let k = 0; k < returns.length; k++) {
    if (!Number.isFinite(returns[k]!)) throw invalid(`${field}[${k}]`, `return is not finite (${returns[k]})`);
  }
  const mean = new Float64Array(assets);
  for (let t = 0; t < days; t++) for (let i = 0; i < assets; i++) mean[i]! += returns[t * assets + i]!;
  for (let i = 0; i < assets; i++) mean[i]! /= days;

  // Centred cross products with the factor: sxy[i] = Σ (r_i − r̄_i)(r_F − r̄_F), syy[i] = Σ (r_i − r̄_i)².
  const sxy = new Float64Array(assets);
  const syy = new Float64Array(assets);
  const mf = mean[factorIndex]!;
  for (let t = 0; t < days; t++) {
    const row = t * assets;
    const df = returns[row + factorIndex]! - mf;
    for (let i = 0; i < assets; i++) {
      const di = returns[row + i]! - mean[i]!;
      sxy[i]! += di * df;
      syy[i]! += di * di;
    }
  }
  const sff = sxy[factorIndex]!;
  let rawSquares = 0;
  for (let t = 0; t < days; t++) rawSquares += returns[t * assets + factorIndex]! ** 2;
  // A constant factor leaves only rounding noise (~1e-35) in sff; compare with its raw second moment.
  if (!(sff > 1e-20 * rawSquares)) throw invalid(`${field}`, `factor asset ${factorIndex} has zero variance over the window; betas are undefined`);

  const betas = new Float64Array(assets);
  const alphas = new Float64Array(assets);
  const residualVols = new Float64Array(assets);
  const rSquared = new Float64Array(assets);
  for (let i = 0; i < assets; i++) {
    if (i === factorIndex) {
      betas[i] = 1;
      rSquared[i] = 1;
      continue;
    }
    const beta = sxy[i]! / sff;
    betas[i] = beta;
    alphas[i] = mean[i]! - beta * mf;
    // SSR = SST − β²·SSF; the direct sum of squared residuals avoids cancellation when R² ≈ 1.
    let ssr = 0;
    for (let t = 0; t < days; t++) {
      const e = returns[t * assets + i]! - alphas[i]! - beta * returns[t * assets + factorIndex]!;
      ssr += e * e;
    }
    residualVols[i] = Math.sqrt(ssr / (days - 1));
    rSquared[i] = syy[i]! > 0 ? 1 - ssr / syy[i]! : 0;
  }
  return { factorIndex, betas, residualVols, factorVol: Math.sqrt(sff / (days - 1)), alphas, rSquared };
}

/** Tolerance for "β = 1, σ_ε = 0 at the factor": a model that says otherwise contradicts itself. */
const FACTOR_SELF_TOLERANCE = 1e-9;

/** Checks shapes and the factor's own β = 1, σ_ε = 0; errors name `field.betas[i]` etc. */
export function validateFactorModel(model: FactorModel, n: number, field = 'factor'): void {
  if (model.betas.length !== n) throw invalid(`${field}.betas`, `expected ${n} betas, got ${model.betas.length}`);
  if (model.residualVols.length !== n) throw invalid(`${field}.residualVols`, `expected ${n} residual vols, got ${model.residualVols.length}`);
  if (!Number.isInteger(model.factorIndex) || model.factorIndex < 0 || model.factorIndex >= n) {
    throw invalid(`${field}.factorIndex`, `expected an index in 0..${n - 1}, got ${model.factorIndex}`);
  }
  if (!(Number.isFinite(model.factorVol) && model.factorVol > 0)) throw invalid(`${field}.factorVol`, `expected a positive daily vol, got ${model.factorVol}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(model.betas[i]!)) throw invalid(`${field}.betas[${i}]`, `beta is not finite (${model.betas[i]})`);
    const rv = model.residualVols[i]!;
    if (!(Number.isFinite(rv) && rv >= 0)) throw invalid(`${field}.residualVols[${i}]`, `expected a daily vol ≥ 0, got ${rv}`);
  }
  const f = model.factorIndex;
  if (Math.abs(model.betas[f]! - 1) > FACTOR_SELF_TOLERANCE) throw invalid(`${field}.betas[${f}]`, `the factor's beta to itself must be 1, got ${model.betas[f]}`);
  if (model.residualVols[f]! > FACTOR_SELF_TOLERANCE) throw invalid(`${field}.residualVols[${f}]`, `the factor has no residual, got ${model.residualVols[f]}`);
}

/** Implied covariance Σ = β βᵀ σ_F² + diag(σ_ε²), `n × n` row-major, daily return². PSD by construction. */
export function factorCovariance(model: FactorModel): Float64Array {
  const n = model.betas.length;
  validateFactorModel(model, n);
  const vf = model.factorVol * model.factorVol;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let v = model.betas[i]! * model.betas[j]! * vf;
      if (i === j) v += model.residualVols[i]! * model.residualVols[i]!;
      out[i * n + j] = v;
    }
  }
  return out;
}

/** Per-asset coefficients of the generator: x_i = factorLoading_i · z_F + residualLoading_i · z_i. */
export interface FactorLoadings {
  readonly factorLoading: Float64Array;
  readonly residualLoading: Float64Array;
}

/**
 * Loadings of the direct generator. Without `vols`: factorLoading = β_i σ_F, residualLoading = σ_ε,i (the model's own
 * vols). With `vols` (the Monte Carlo convention: vols are the marginals, the factor model supplies only the
 * dependence): both are scaled by vol_i / √(β_i² σ_F² + σ_ε,i²), which keeps the model's correlations
 * ρ_ij = β_i β_j σ_F² / (s_i s_j) and gives asset i exactly the daily vol vol_i. `scale` multiplies everything
 * (√horizonDays for an h-day draw).
 */
export function factorLoadings(model: FactorModel, vols?: Float64Array, scale = 1, field = 'factor'): FactorLoadings {
  const n = model.betas.length;
  validateFactorModel(model, n, field);
  const factorLoading = new Float64Array(n);
  const residualLoading = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a = model.betas[i]! * model.factorVol;
    let b = model.residualVols[i]!;
    if (vols !== undefined) {
      const s = Math.sqrt(a * a + b * b);
      const target = vols[i]!;
      if (s === 0) {
        if (target !== 0) throw invalid(`${field}.betas[${i}]`, `asset ${i} has β = 0 and no residual vol, so the model gives it no risk, but its vol is ${target}`);
      } else {
        a *= target / s;
        b *= target / s;
      }
    }
    factorLoading[i] = scale * a;
    residualLoading[i] = scale * b;
  }
  return { factorLoading, residualLoading };
}

/**
 * Kernel: out[outOffset + i·outStride] = a_i·z[n] + b_i·z[i] for i < n, where z holds n idiosyncratic normals then
 * the factor normal at index n. No allocation.
 */
export function factorDrawInto(
  z: Float64Array,
  zOffset: number,
  loadings: FactorLoadings,
  n: number,
  out: Float64Array,
  outOffset: number,
  outStride: number,
): void {
  const zf = z[zOffset + n]!;
  for (let i = 0; i < n; i++) {
    out[outOffset + i * outStride] = loadings.factorLoading[i]! * zf + loadings.residualLoading[i]! * z[zOffset + i]!;
  }
}

/**
 * Generator mode: the daily-return vector of scenario `scenario` under `seed`, drawing n idiosyncratic normals and
 * the factor normal directly from the counter generator (normals 0..n−1 → residuals, normal n → factor) rather than
 * through a Cholesky factor. `scratch` length ≥ n + 1. Same draws as buildMonteCarloScenarios' factor mode.
 */
export function drawFactorReturns(seed: number, scenario: number, loadings: FactorLoadings, out: Float64Array, scratch: Float64Array): void {
  const n = loadings.factorLoading.length;
  fillCounterNormals(seed, scenario, NORMAL_STREAM, scratch, 0, n + 1);
  factorDrawInto(scratch, 0, loadings, n, out, 0, 1);
}
