import { CrossmarginError } from '../../core/errors.js';
import { normalTail } from '../../numerics/normal-tail.js';
import { studentTRisk } from './student-t-risk.js';

/**
 * Delta-normal (variance–covariance) VaR and ES, methods/var-es.md §4:
 *
 *   σ_P = √(wᵀΣw),  VaR_α = z_α σ_P,  ES_α = σ_P φ(z_α)/(1−α)
 *   Euler components  VaR_i = z_α w_i (Σw)_i / σ_P   (Σ_i VaR_i = VaR, since σ_P is homogeneous of degree 1)
 *                     ES_i  = φ(z_α)/(1−α) · w_i (Σw)_i / σ_P
 *
 * Units: w_i is the P&L in account currency for a unit relative move of underlying i (dollar delta: a 1 % move gains
 * 0.01·w_i); Σ is the covariance of relative returns (decimal², per day unless `horizonDays` says otherwise). VaR and
 * ES are positive losses in account currency.
 *
 * μ = 0 on purpose: over margin horizons (1–10 days) the expected return is noise next to σ, and crediting a drift
 * would let a long book post less margin in a bull run. §4's −μ term is therefore absent.
 *
 * Vector (§4): w = [1e6, −5e5], vols [0.02, 0.03], ρ = 0.5 → σ_P = 18027.756377, VaR99 = 41938.832722,
 * ES97.5 = 42145.339196, 10-day VaR99 = 132622.233811, component VaR99 [32260.640555, 9678.192167].
 */
export interface DeltaNormalInput {
  /** Dollar delta per underlying, account currency per unit relative move. */
  readonly exposures: Float64Array;
  /** n × n covariance of relative returns, row-major, decimal². */
  readonly covariance: Float64Array;
  /** Confidence α in (0, 1), e.g. 0.99. */
  readonly alpha: number;
  /** Σ is per day and results are scaled by √horizonDays (iid, var-es.md §8). Default 1: Σ is already per horizon. */
  readonly horizonDays?: number | undefined;
  /**
   * Student-t degrees of freedom (> 2) for a "delta-t" variant: same σ_P, tail factors of the unit-variance t instead
   * of the normal (var-es.md §4 Student-t). Components scale the same way, so they still sum to VaR / ES.
   */
  readonly studentTDof?: number | undefined;
}

export interface DeltaNormalResult {
  /** σ_P over the horizon, account currency. */
  readonly sigma: number;
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
  /** Euler contributions to VaR per underlying; sum to valueAtRisk. Negative for hedging positions. */
  readonly componentVaR: Float64Array;
  /** Euler contributions to ES; sum to expectedShortfall. */
  readonly componentES: Float64Array;
}

/**
 * Kernel: writes Σw into `sigmaW` (length ≥ n) and returns the quadratic form wᵀΣw (account currency², may be slightly
 * negative by rounding or clearly negative for a non-PSD Σ; the caller decides). No allocation.
 */
export function portfolioVarianceInto(w: Float64Array, covariance: Float64Array, n: number, sigmaW: Float64Array): number {
  let q = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += covariance[row + j]! * w[j]!;
    sigmaW[i] = s;
    q += w[i]! * s;
  }
  return q;
}

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field });
}

/** Relative size of a negative wᵀΣw we still treat as rounding (then σ_P = 0), versus a non-PSD covariance. */
const NEGATIVE_VARIANCE_TOLERANCE = 1e-12;

export function deltaNormal(input: DeltaNormalInput): DeltaNormalResult {
  const { exposures: w, covariance, alpha } = input;
  const n = w.length;
  const horizonDays = input.horizonDays ?? 1;
  if (n === 0) throw invalid('exposures', 'at least one exposure is required');
  if (covariance.length !== n * n) throw invalid('covariance', `expected ${n}×${n} = ${n * n} values for ${n} exposures, got ${covariance.length}`);
  w.forEach((v, i) => {
    if (!Number.isFinite(v)) throw invalid(`exposures[${i}]`, `exposure is not finite (${v})`);
  });
  covariance.forEach((v, k) => {
    if (!Number.isFinite(v)) throw invalid(`covariance[${k}]`, `entry is not finite (${v})`);
  });
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha', `confidence must be in (0, 1), got ${alpha}`);
  if (!(Number.isFinite(horizonDays) && horizonDays > 0)) throw invalid('horizonDays', `expected a positive number of days, got ${horizonDays}`);

  const sigmaW = new Float64Array(n);
  const q = portfolioVarianceInto(w, covariance, n, sigmaW);
  // Scale of the terms in the sum, to tell rounding from a genuinely non-PSD Σ.
  let magnitude = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) magnitude += Math.abs(w[i]! * covariance[i * n + j]! * w[j]!);
  if (q < -NEGATIVE_VARIANCE_TOLERANCE * magnitude) {
    throw invalid('covariance', `wᵀΣw = ${q} < 0: the covariance is not positive semi-definite (repair it with nearestCorrelation first)`);
  }
  const sqrtH = Math.sqrt(horizonDays);
  const sigma1 = Math.sqrt(Math.max(0, q));
  const sigma = sigma1 * sqrtH;

  let varFactor: number;
  let esFactor: number;
  if (input.studentTDof === undefined) {
    const tail = normalTail(alpha);
    varFactor = tail.z;
    esFactor = tail.esFactor;
  } else {
    const t = studentTRisk(input.studentTDof, alpha, { field: 'studentTDof' });
    varFactor = t.valueAtRisk;
    esFactor = t.expectedShortfall;
  }

  const componentVaR = new Float64Array(n);
  const componentES = new Float64Array(n);
  // σ_P = 0 (no exposure, or exposures in the null space of Σ): no risk to allocate; components stay 0, not 0/0.
  if (sigma1 > 0) {
    for (let i = 0; i < n; i++) {
      // ∂σ_P/∂w_i · w_i = w_i (Σw)_i / σ_P, scaled to the horizon.
      const marginal = ((w[i]! * sigmaW[i]!) / sigma1) * sqrtH;
      componentVaR[i] = varFactor * marginal;
      componentES[i] = esFactor * marginal;
    }
  }
  return { sigma, valueAtRisk: varFactor * sigma, expectedShortfall: esFactor * sigma, componentVaR, componentES };
}
