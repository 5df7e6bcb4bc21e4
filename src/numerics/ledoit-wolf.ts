import { CrossmarginError } from '../core/errors.js';

/** Ledoit–Wolf estimate: the shrunk covariance and what went into it. */
export interface LedoitWolfResult {
  /** Σ̂ = shrinkage·μI + (1 − shrinkage)·S, `assets × assets` row-major, units return². */
  readonly matrix: Float64Array;
  /** Shrinkage intensity β²/δ² ∈ [0, 1]. */
  readonly shrinkage: number;
  /** μ = tr(S)/p, the target's common variance. */
  readonly mu: number;
  /** S = (1/n)·XcᵀXc, the maximum-likelihood sample covariance (divisor n, not n − 1). */
  readonly sampleCovariance: Float64Array;
}

export interface LedoitWolfOptions {
  /** true: the returns are used as given (zero mean assumed); false (default): each column's mean is subtracted. */
  readonly assumeCentred?: boolean;
}

/**
 * Ledoit & Wolf (2004, J. Multivariate Anal. 88) shrinkage towards μI, exactly as methods/var-es.md §7 writes it
 * (the same estimator as sklearn `LedoitWolf`):
 *
 *   S = (1/n) XcᵀXc;  μ = tr(S)/p;  δ² = ‖S − μI‖²_F
 *   β̄² = (1/n²) Σ_k ‖x_k x_kᵀ − S‖²_F;  β² = min(β̄², δ²);  shrinkage = β²/δ²
 *   Σ̂ = shrinkage·μI + (1 − shrinkage)·S
 *
 * The paper's 1/p normalisation of the Frobenius norm cancels in the ratio. When δ² = 0 (S already equals μI)
 * there is nothing to shrink and the shrinkage is 0. `returns` is `days × assets` row-major (decimal returns).
 * O(n·p²); off the hot path. MODEL_PARAMS_INVALID for a wrong size, fewer than 2 days or a non-finite return.
 */
export function ledoitWolf(returns: Float64Array, days: number, assets: number, options: LedoitWolfOptions = {}): LedoitWolfResult {
  const p = assets;
  const n = days;
  if (!Number.isInteger(p) || p < 1) throw invalid('assets', `expected a positive integer, got ${p}`);
  if (!Number.isInteger(n) || n < 2) throw invalid('days', `Ledoit–Wolf needs at least 2 days, got ${n}`);
  if (returns.length !== n * p) throw invalid('returns', `expected ${n}×${p} = ${n * p} values, got ${returns.length}`);
  for (let k = 0; k < returns.length; k++) {
    if (!Number.isFinite(returns[k]!)) throw invalid(`returns[${k}]`, `return is not finite (${returns[k]})`);
  }
  const xc = new Float64Array(returns);
  if (options.assumeCentred !== true) {
    for (let i = 0; i < p; i++) {
      let mean = 0;
      for (let t = 0; t < n; t++) mean += xc[t * p + i]!;
      mean /= n;
      for (let t = 0; t < n; t++) xc[t * p + i]! -= mean;
    }
  }
  const s = new Float64Array(p * p);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < p; i++) {
      const xi = xc[t * p + i]!;
      for (let j = 0; j < p; j++) s[i * p + j]! += xi * xc[t * p + j]!;
    }
  }
  for (let k = 0; k < p * p; k++) s[k]! /= n;

  let trace = 0;
  for (let i = 0; i < p; i++) trace += s[i * p + i]!;
  const mu = trace / p;
  let delta2 = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const d = s[i * p + j]! - (i === j ? mu : 0);
      delta2 += d * d;
    }
  }
  // β̄²: how far each day's outer product x_k x_kᵀ strays from S, i.e. the sampling noise of S.
  let betaBar2 = 0;
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < p; i++) {
      const xi = xc[t * p + i]!;
      for (let j = 0; j < p; j++) {
        const d = xi * xc[t * p + j]! - s[i * p + j]!;
        betaBar2 += d * d;
      }
    }
  }
  betaBar2 /= n * n;
  const beta2 = Math.min(betaBar2, delta2);
  const shrinkage = delta2 > 0 ? beta2 / delta2 : 0;
  const matrix = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) matrix[i * p + j] = (1 - shrinkage) * s[i * p + j]! + (i === j ? shrinkage * mu : 0);
  }
  return { matrix, shrinkage, mu, sampleCovariance: s };
}

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field });
}
