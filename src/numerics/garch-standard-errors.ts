import { CholeskyDecomposition, Matrix, inverse } from 'ml-matrix';
import { CrossmarginError } from '../core/errors.js';
import { garchLogLikelihood, type Garch11Params } from './volatility-filters.js';

/** Standard errors of (ω, α, β); a field is undefined when the observed information is not positive definite. */
export interface GarchStandardErrors {
  readonly omega: number | undefined;
  readonly alpha: number | undefined;
  readonly beta: number | undefined;
  /** Hessian of ℓ in (ω, α, β) at the estimate, in the returns' own units (3 × 3, row-major arrays). */
  readonly hessian: readonly (readonly number[])[];
}

export interface GarchStandardErrorOptions {
  /** Relative central-difference step (default 1e-4 ≈ ε^{1/4}, the usual optimum for a second difference). */
  readonly relativeStep?: number;
}

/**
 * Asymptotic standard errors of a zero-mean GARCH(1,1) fit (var-es.md §6) from the observed information: the inverse
 * of −H, H the Hessian of the Gaussian log-likelihood ℓ(ω, α, β) at the estimate (μ is fixed, not estimated).
 *
 * Numerical Hessian, central differences. To keep the three coordinates on comparable scales the returns are first
 * divided by their root mean square s (ω becomes ω/s², α and β are unchanged, ℓ shifts by the constant n·ln s, so the
 * Hessian in (ω/s², α, β) is the same surface), then with steps h_i = relativeStep·|θ_i| (1e-6 when θ_i = 0):
 *
 *   H_ii = [ℓ(θ + h_i e_i) − 2ℓ(θ) + ℓ(θ − h_i e_i)] / h_i²
 *   H_ij = [ℓ(θ + h_i e_i + h_j e_j) − ℓ(θ + h_i e_i − h_j e_j) − ℓ(θ − h_i e_i + h_j e_j) + ℓ(θ − h_i e_i − h_j e_j)] / (4 h_i h_j)
 *
 * (19 likelihood evaluations), then SE_i = √((−H)⁻¹)_ii, with SE(ω) scaled back by s². These are the classical
 * (non-robust) errors, as fGarch reports by default. When −H is not positive definite — an optimum on the boundary
 * (α ≈ 0) or a flat likelihood — the errors are undefined rather than a meaningless number.
 */
export function garchStandardErrors(returns: Float64Array, params: Garch11Params, options: GarchStandardErrorOptions = {}): GarchStandardErrors {
  const relativeStep = options.relativeStep ?? 1e-4;
  if (!(relativeStep > 0 && relativeStep < 0.1)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `hessianStep: expected a relative step in (0, 0.1), got ${relativeStep}`, { field: 'hessianStep' });
  }
  const n = returns.length;
  let sq = 0;
  for (let t = 0; t < n; t++) sq += (returns[t] as number) ** 2;
  const scale = Math.sqrt(sq / n);
  const scaled = new Float64Array(n);
  for (let t = 0; t < n; t++) scaled[t] = (returns[t] as number) / scale;
  const scratch = new Float64Array(n + 1);
  const theta = [params.omega / (scale * scale), params.alpha, params.beta];
  const ell = (x: readonly number[]): number =>
    garchLogLikelihood({ mu: params.mu / scale, omega: x[0] as number, alpha: x[1] as number, beta: x[2] as number }, scaled, scratch);
  const h = theta.map((v) => (v === 0 ? 1e-6 : relativeStep * Math.abs(v)));
  const at = (di: number, si: number, dj: number, sj: number): number => {
    const x = [...theta];
    x[di] = (x[di] as number) + si * (h[di] as number);
    x[dj] = (x[dj] as number) + sj * (h[dj] as number);
    return ell(x);
  };
  const f0 = ell(theta);
  const hess = new Matrix(3, 3);
  for (let i = 0; i < 3; i++) {
    const hi = h[i] as number;
    const plus = at(i, 1, i, 0);
    const minus = at(i, -1, i, 0);
    hess.set(i, i, (plus - 2 * f0 + minus) / (hi * hi));
    for (let j = 0; j < i; j++) {
      const hj = h[j] as number;
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * hi * hj);
      hess.set(i, j, v);
      hess.set(j, i, v);
    }
  }
  // Back to the returns' own units: ∂²ℓ/∂ω² scales by 1/s⁴ and ∂²ℓ/∂ω∂(α|β) by 1/s².
  const s2 = scale * scale;
  const hessian = [0, 1, 2].map((i) => [0, 1, 2].map((j) => hess.get(i, j) / ((i === 0 ? s2 : 1) * (j === 0 ? s2 : 1))));
  const information = hess.clone().mul(-1);
  const finite = hessian.every((row) => row.every(Number.isFinite));
  if (!finite || !new CholeskyDecomposition(information).isPositiveDefinite()) {
    return { omega: undefined, alpha: undefined, beta: undefined, hessian };
  }
  const cov = inverse(information);
  const se = (i: number): number | undefined => {
    const v = cov.get(i, i);
    return v > 0 && Number.isFinite(v) ? Math.sqrt(v) : undefined;
  };
  const seOmega = se(0);
  return { omega: seOmega === undefined ? undefined : seOmega * s2, alpha: se(1), beta: se(2), hessian };
}
