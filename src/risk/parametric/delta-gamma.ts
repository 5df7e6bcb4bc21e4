import { CrossmarginError } from '../../core/errors.js';
import { cornishFisherQuantile } from './cornish-fisher.js';
import { normalTail } from '../../numerics/normal-tail.js';

/**
 * Delta-gamma approximation of an options book (methods/var-es.md §4):
 *
 *   ΔP ≈ δᵀx + ½ xᵀΓx,  x ~ N(0, Σ)       (ΔP is P&L, gain positive, as everywhere in the engine)
 *
 * with cumulants (M = ΓΣ)
 *   κ1 = ½ tr(M)
 *   κ2 = δᵀΣδ + ½ tr(M²)
 *   κ3 = 3 δᵀΣΓΣδ + tr(M³)
 *   κ4 = 12 δᵀΣΓΣΓΣδ + 3 tr(M⁴)
 *   S = κ3/κ2^{3/2}, K = κ4/κ2² (excess)
 * (the r-th cumulant of a Gaussian quadratic form is ½(r−1)! tr(M^r) + ½ r! δᵀΣ M^{r−2} δ).
 *
 * Units: δ_i is dollar delta (account currency per unit relative move of underlying i), Γ_ij dollar gamma (account
 * currency per unit relative move squared), Σ the covariance of relative moves over the horizon (decimal²).
 *
 * Sign, carefully: the loss is L = −ΔP, so E[L] = −κ1 and the loss tail is ΔP's left tail. Delta-gamma-normal treats
 * ΔP as N(κ1, κ2): VaR_α = −κ1 + z_α √κ2 (positive = a loss). A long-gamma book (Γ ≻ 0) has κ1 > 0 (convexity gains
 * on average) and positive skew, so its VaR is below the delta-normal one; a short-gamma book the opposite.
 * Delta-gamma-Cornish–Fisher adds S and K: VaR_α = −(κ1 + z_cf √κ2), z_cf from cornish-fisher.ts.
 *
 * Small dense n × n algebra off the hot path: allocates its temporaries.
 */
export interface DeltaGammaCumulants {
  readonly k1: number;
  readonly k2: number;
  readonly k3: number;
  readonly k4: number;
  /** κ3/κ2^{3/2} (0 when κ2 = 0). */
  readonly skewness: number;
  /** κ4/κ2² (0 when κ2 = 0). */
  readonly excessKurtosis: number;
}

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field });
}

function checkFinite(a: Float64Array, length: number, field: string): void {
  if (a.length !== length) throw invalid(field, `expected ${length} values, got ${a.length}`);
  a.forEach((v, k) => {
    if (!Number.isFinite(v)) throw invalid(`${field}[${k}]`, `entry is not finite (${v})`);
  });
}

/** C = A·B for n × n row-major matrices. */
function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return c;
}

/** y = A·x. */
function multiplyVector(a: Float64Array, x: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** tr(A·B) = Σ_ij A_ij B_ji, without forming the product. */
function traceOfProduct(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += a[i * n + j]! * b[j * n + i]!;
  return s;
}

/** Cumulants of ΔP ≈ δᵀx + ½xᵀΓx, x ~ N(0, Σ) (formulas above). Γ and Σ must be symmetric n × n. */
export function deltaGammaCumulants(delta: Float64Array, gamma: Float64Array, covariance: Float64Array): DeltaGammaCumulants {
  const n = delta.length;
  if (n === 0) throw invalid('delta', 'at least one underlying is required');
  checkFinite(delta, n, 'delta');
  checkFinite(gamma, n * n, 'gamma');
  checkFinite(covariance, n * n, 'covariance');

  const m = multiply(gamma, covariance, n); // M = ΓΣ
  const m2 = multiply(m, m, n);
  let trM = 0;
  for (let i = 0; i < n; i++) trM += m[i * n + i]!;
  const trM2 = traceOfProduct(m, m, n);
  const trM3 = traceOfProduct(m2, m, n);
  const trM4 = traceOfProduct(m2, m2, n);

  const v = multiplyVector(covariance, delta, n); // Σδ
  const u = multiplyVector(gamma, v, n); // ΓΣδ
  const dSd = dot(delta, v); // δᵀΣδ
  const dSGSd = dot(v, u); // δᵀΣΓΣδ
  const dSGSGSd = dot(u, multiplyVector(covariance, u, n)); // δᵀΣΓΣΓΣδ

  const k1 = 0.5 * trM;
  const k2 = dSd + 0.5 * trM2;
  const k3 = 3 * dSGSd + trM3;
  const k4 = 12 * dSGSGSd + 3 * trM4;
  if (k2 < 0) throw invalid('covariance', `κ2 = ${k2} < 0: the covariance is not positive semi-definite`);
  return {
    k1,
    k2,
    k3,
    k4,
    skewness: k2 > 0 ? k3 / Math.pow(k2, 1.5) : 0,
    excessKurtosis: k2 > 0 ? k4 / (k2 * k2) : 0,
  };
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha', `confidence must be in (0, 1), got ${alpha}`);
}

/** Delta-gamma-normal VaR_α = −κ1 + z_α √κ2: a positive loss in account currency. */
export function deltaGammaNormalVaR(cumulants: DeltaGammaCumulants, alpha: number): number {
  checkAlpha(alpha);
  return -cumulants.k1 + normalTail(alpha).z * Math.sqrt(cumulants.k2);
}

/** Delta-gamma-Cornish–Fisher VaR_α = −(κ1 + z_cf √κ2) with the book's own S and K: a positive loss. */
export function deltaGammaCornishFisherVaR(cumulants: DeltaGammaCumulants, alpha: number): number {
  checkAlpha(alpha);
  return -(cumulants.k1 + cornishFisherQuantile(alpha, cumulants.skewness, cumulants.excessKurtosis) * Math.sqrt(cumulants.k2));
}
