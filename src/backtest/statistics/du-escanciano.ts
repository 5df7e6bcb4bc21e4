import { CrossmarginError } from '../../core/errors.js';
import { normCdf } from '../../numerics/normal.js';
import { chiSquarePValue } from './chi-square-p-value.js';
import { checkInteger, checkProbability } from './check-arguments.js';

/**
 * Du–Escanciano (2017) ES backtests on PIT values u_t = F_t(X_t), the model's forecast CDF evaluated at the
 * realised P&L (backtesting.md §6). The cumulative violation H_t = (α − u_t)·1{u_t ≤ α}/α is uniform-tail mass
 * below α, scaled: under a correct model u_t ~ U(0, 1) i.i.d., so E[H] = α/2 and Var[H] = α(1/3 − α/4).
 *
 *   U_ES    = √n (H̄ − α/2) / √(α(1/3 − α/4))  → N(0, 1)        two-sided p-value 2Φ(−|U_ES|)
 *   C_ES(m) = n Σ_{j=1..m} ρ̂_j²  → χ²(m)                        ρ̂_j = γ̂_j / γ̂_0
 *   γ̂_j    = (1/(n − j)) Σ_{t=j+1..n} (H_t − α/2)(H_{t−j} − α/2)   (the paper's normalisation; γ̂_0 the mean square)
 *
 * U_ES > 0 means more tail mass than the model says (risk underestimated). C_ES detects clustering of tail
 * violations (like Christoffersen for VaR). There is no published numeric vector for these (§6 cites CRAN
 * `tstests` for the formulas); the tests check hand-computed small cases and the null distribution by simulation.
 */
export interface DuEscancianoResult {
  readonly statistic: number;
  readonly pValue: number;
}

function checkPits(u: Float64Array): void {
  if (u.length === 0) throw new CrossmarginError('USAGE_INVALID', 'pit: needs at least one value', { field: 'pit' });
  for (let t = 0; t < u.length; t++) {
    const v = u[t]!;
    if (!(v >= 0 && v <= 1)) throw new CrossmarginError('SCHEMA_INVALID', `pit.${t}: PIT value must be in [0, 1], got ${v}`, { field: `pit.${t}` });
  }
}

/** H_t for each PIT value. */
export function cumulativeViolations(u: Float64Array, alpha: number): Float64Array {
  checkPits(u);
  checkProbability('alpha', alpha);
  const h = new Float64Array(u.length);
  for (let t = 0; t < u.length; t++) {
    const v = u[t]!;
    h[t] = v <= alpha ? (alpha - v) / alpha : 0;
  }
  return h;
}

/** Unconditional test U_ES (two-sided normal p-value). */
export function duEscancianoUnconditional(u: Float64Array, alpha: number): DuEscancianoResult {
  const h = cumulativeViolations(u, alpha);
  const n = h.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += h[t]!;
  mean /= n;
  const statistic = (Math.sqrt(n) * (mean - alpha / 2)) / Math.sqrt(alpha * (1 / 3 - alpha / 4));
  return { statistic, pValue: 2 * normCdf(-Math.abs(statistic)) };
}

/**
 * Conditional test C_ES(m) with m lags (m = 1 in the paper's main tables, 5 also common). The autocovariances are
 * centred at the null mean α/2, not at the sample mean (as in the paper), so a sample with no violation at all has
 * every centred H equal to −α/2, ρ̂_j = 1 and C_ES = n·m: it is rejected, as the unconditional test would. Only if
 * every H_t is exactly α/2 is γ̂_0 = 0; the statistic is then 0.
 */
export function duEscancianoConditional(u: Float64Array, alpha: number, lags = 1): DuEscancianoResult {
  const h = cumulativeViolations(u, alpha);
  const n = h.length;
  checkInteger('lags', lags, 1);
  if (n <= lags) throw new CrossmarginError('USAGE_INVALID', `lags: C_ES(${lags}) needs more than ${lags} PIT values, got ${n}`, { field: 'lags' });
  const centre = alpha / 2;
  let gamma0 = 0;
  for (let t = 0; t < n; t++) gamma0 += (h[t]! - centre) ** 2;
  gamma0 /= n;
  let sum = 0;
  if (gamma0 > 0) {
    for (let j = 1; j <= lags; j++) {
      let gamma = 0;
      for (let t = j; t < n; t++) gamma += (h[t]! - centre) * (h[t - j]! - centre);
      gamma /= n - j;
      sum += (gamma / gamma0) ** 2;
    }
  }
  const statistic = n * sum;
  return { statistic, pValue: chiSquarePValue(statistic, lags) };
}
