import { CrossmarginError } from '../core/errors.js';
import { minimiseNelderMead } from './nelder-mead.js';

/*
 * Volatility filters of var-es.md §6, for FHS (§3) and the realised-vol proxy of historical vol moves.
 *
 * Indexing convention shared by every series here: for daily returns r_0..r_{n−1}, a forecast series has n + 1
 * slots and slot t holds σ²_{t|t−1}, the variance of r_t forecast with r_0..r_{t−1}; slot n is σ²_{T+1|T}, the
 * forecast for the next, not yet observed, day. Returns are decimals (0.01 = 1 %), variances their squares.
 */

function checkLambda(lambda: number): void {
  if (!(lambda > 0 && lambda < 1)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `lambda: expected a decay factor in (0, 1), got ${lambda}`, { field: 'lambda', details: { value: lambda } });
  }
}

function outBuffer(out: Float64Array | undefined, m: number): Float64Array {
  if (out === undefined) return new Float64Array(m);
  if (out.length < m) {
    throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} values but ${m} are needed`, { field: 'out', details: { needed: m, length: out.length } });
  }
  return out.length === m ? out : out.subarray(0, m);
}

/**
 * EWMA (RiskMetrics) variance forecasts, var-es.md §6: σ²_{t+1|t} = λσ²_{t|t−1} + (1−λ)r_t².
 * Seeding (§6 "fix it in the spec"): the state after r_0 is r_0², so slot 1 = r_0²; slot 0 has no forecast and is
 * NaN. Slot n is the forecast for tomorrow (§6 vector: λ = 0.94 → 1.794751941506e-04 after ten returns).
 * n returns give n + 1 slots (`out` may be longer; the result is then a view). Allocation-free with `out`.
 */
export function ewmaVariance(returns: Float64Array, lambda: number, out?: Float64Array): Float64Array {
  checkLambda(lambda);
  const n = returns.length;
  const result = outBuffer(out, n + 1);
  result[0] = Number.NaN;
  if (n === 0) return result;
  const r0 = returns[0] as number;
  let s2 = r0 * r0;
  result[1] = s2;
  const w = 1 - lambda;
  for (let t = 1; t < n; t++) {
    const r = returns[t] as number;
    s2 = lambda * s2 + w * r * r;
    result[t + 1] = s2;
  }
  return result;
}

/**
 * EWMA covariance forecast for tomorrow (var-es.md §6): σ_ij ← λσ_ij + (1−λ)r_i r_j, seeded with the first
 * outer product r_0 r_0ᵀ. `returns[a]` is asset a's series (equal lengths ≥ 1). Returns the k × k covariance and
 * correlation ρ_ij = σ_ij / (σ_i σ_j), row-major (NaN correlation where a variance is zero).
 */
export function ewmaCovariance(returns: readonly Float64Array[], lambda: number): { readonly covariance: Float64Array; readonly correlation: Float64Array } {
  checkLambda(lambda);
  const k = returns.length;
  const n = returns[0]?.length ?? 0;
  if (k === 0 || n === 0 || returns.some((r) => r.length !== n)) {
    throw new CrossmarginError('HISTORY_INVALID', `returns: expected ≥ 1 asset with equally many (≥ 1) returns`, { field: 'returns' });
  }
  const cov = new Float64Array(k * k);
  const w = 1 - lambda;
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < k; i++) {
      const ri = (returns[i] as Float64Array)[t] as number;
      for (let j = 0; j < k; j++) {
        const p = ri * ((returns[j] as Float64Array)[t] as number);
        cov[i * k + j] = t === 0 ? p : lambda * (cov[i * k + j] as number) + w * p;
      }
    }
  }
  const corr = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const den = Math.sqrt((cov[i * k + i] as number) * (cov[j * k + j] as number));
      corr[i * k + j] = den > 0 ? (cov[i * k + j] as number) / den : Number.NaN;
    }
  }
  return { covariance: cov, correlation: corr };
}

/** GARCH(1,1) with constant mean μ (var-es.md §6): ε_t = r_t − μ, σ²_t = ω + αε²_{t−1} + βσ²_{t−1}. */
export interface Garch11Params {
  readonly mu: number;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
}

/** α + β: how much of today's variance shock survives to tomorrow. */
export function garchPersistence(p: Garch11Params): number {
  return p.alpha + p.beta;
}

/** Long-run (unconditional) variance V_L = ω / (1 − α − β); +∞ when α + β ≥ 1. */
export function garchLongRunVariance(p: Garch11Params): number {
  const persistence = garchPersistence(p);
  return persistence < 1 ? p.omega / (1 - persistence) : Number.POSITIVE_INFINITY;
}

/** Days for a variance shock to halve: ln ½ / ln(α + β). */
export function garchHalfLife(p: Garch11Params): number {
  return Math.log(0.5) / Math.log(garchPersistence(p));
}

/**
 * GARCH conditional variances of `returns` (forecast-series convention above: slot t = σ²_t for r_t, slot n = the
 * forecast for tomorrow). Backcast start: the pre-sample ε² and σ² both equal the sample mean of ε², so
 * σ²_0 = ω + (α + β)·mean(ε²). Allocation-free with `out`; this is the likelihood's inner loop.
 */
export function garchVariance(p: Garch11Params, returns: Float64Array, out?: Float64Array): Float64Array {
  const n = returns.length;
  const result = outBuffer(out, n + 1);
  let mean2 = 0;
  for (let t = 0; t < n; t++) {
    const e = (returns[t] as number) - p.mu;
    mean2 += e * e;
  }
  mean2 = n > 0 ? mean2 / n : 0;
  let s2 = p.omega + (p.alpha + p.beta) * mean2;
  result[0] = s2;
  for (let t = 0; t < n; t++) {
    const e = (returns[t] as number) - p.mu;
    s2 = p.omega + p.alpha * e * e + p.beta * s2;
    result[t + 1] = s2;
  }
  return result;
}

/** Gaussian log-likelihood ℓ = −½ Σ[ln 2π + ln σ²_t + ε²_t/σ²_t] (var-es.md §6); `scratch` (n + 1 slots) avoids allocation. */
export function garchLogLikelihood(p: Garch11Params, returns: Float64Array, scratch?: Float64Array): number {
  const v = garchVariance(p, returns, scratch);
  const LN_2PI = Math.log(2 * Math.PI);
  let sum = 0;
  for (let t = 0; t < returns.length; t++) {
    const e = (returns[t] as number) - p.mu;
    const s2 = v[t] as number;
    sum += LN_2PI + Math.log(s2) + (e * e) / s2;
  }
  return -0.5 * sum;
}

/**
 * Expected variances E[σ²_{T+k}] for k = 1..h given σ²_{T+1} (var-es.md §6):
 * E[σ²_{T+k}] = V_L + (α+β)^{k−1}(σ²_{T+1} − V_L), computed by the recursion E[σ²_{T+k}] = ω + (α+β)E[σ²_{T+k−1}],
 * which is the same thing and also holds when α + β ≥ 1. `out` (h slots) avoids allocation.
 */
export function garchTermStructure(p: Garch11Params, nextVariance: number, h: number, out?: Float64Array): Float64Array {
  const result = outBuffer(out, h);
  const persistence = garchPersistence(p);
  let v = nextVariance;
  for (let k = 0; k < h; k++) {
    result[k] = v;
    v = p.omega + persistence * v;
  }
  return result;
}

/** H-day variance Σ_{k=1..H} E[σ²_{T+k}] given σ²_{T+1} (var-es.md §6, ≠ H·σ²_{T+1}: the √time rule), without allocating. */
export function garchHorizonVariance(p: Garch11Params, nextVariance: number, h: number): number {
  const persistence = garchPersistence(p);
  let v = nextVariance;
  let total = 0;
  for (let k = 0; k < h; k++) {
    total += v;
    v = p.omega + persistence * v;
  }
  return total;
}

/**
 * Forecast from the last observation (var-es.md §6): σ²_{t+1} = ω + α(r_t − μ)² + βσ²_t, then the term structure
 * E[σ²_{t+k}], k = 1..h, and their sum (the h-day variance).
 */
export function garchForecast(
  p: Garch11Params,
  lastVariance: number,
  lastReturn: number,
  h: number,
): { readonly nextVariance: number; readonly variances: Float64Array; readonly total: number } {
  if (!(Number.isInteger(h) && h >= 1)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `h: expected a whole number of days ≥ 1, got ${h}`, { field: 'h' });
  }
  const e = lastReturn - p.mu;
  const nextVariance = p.omega + p.alpha * e * e + p.beta * lastVariance;
  const variances = garchTermStructure(p, nextVariance, h);
  let total = 0;
  for (let k = 0; k < h; k++) total += variances[k] as number;
  return { nextVariance, variances, total };
}

export interface FitGarch11Options {
  /** `zero` fixes μ = 0 (the FHS default, var-es.md §3); `constant` estimates μ. Default `zero`. */
  readonly mean?: 'zero' | 'constant';
  /** Objective evaluations per Nelder–Mead run (default 3000). */
  readonly maxEvaluations?: number;
}

export interface Garch11Fit {
  readonly params: Garch11Params;
  readonly logLikelihood: number;
  /** Objective evaluations over all starts and the polishing restart. */
  readonly evaluations: number;
  /** True when the final Nelder–Mead run met its tolerances. */
  readonly converged: boolean;
  readonly persistence: number;
  readonly longRunVariance: number;
}

/** Minimum returns for a GARCH fit: fewer cannot separate α from β. */
export const GARCH_MIN_RETURNS = 100;

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Maximum-likelihood GARCH(1,1) fit (Gaussian, var-es.md §6) by Nelder–Mead on unconstrained coordinates:
 * ω = e^{x₀}, persistence α+β = logistic(x₁) ∈ (0,1), α's share of it = logistic(x₂) ∈ (0,1), μ = x₃ — so every
 * trial point satisfies ω > 0, α, β ≥ 0, α + β < 1, and the optimiser needs no constraints.
 *
 * Returns are first divided by their root mean square, so the likelihood surface has unit scale whatever the asset
 * (ω then starts near 1 − α − β); the fit is mapped back (μ·s, ω·s², ℓ − n ln s). Starts: variance targeting
 * (ω = 1 − α − β on the scaled data) at (α, β) = (0.05, 0.90), (0.10, 0.80) and (0.03, 0.96); the best run is
 * restarted once from its optimum, the usual guard against a collapsed simplex.
 *
 * HISTORY_INVALID for fewer than GARCH_MIN_RETURNS returns, non-finite returns, or returns with no variation.
 */
export function fitGarch11(returns: Float64Array, options: FitGarch11Options = {}): Garch11Fit {
  const n = returns.length;
  const constantMean = (options.mean ?? 'zero') === 'constant';
  if (n < GARCH_MIN_RETURNS) {
    throw new CrossmarginError('HISTORY_INVALID', `returns: a GARCH(1,1) fit needs at least ${GARCH_MIN_RETURNS} returns, got ${n}`, {
      field: 'returns',
      details: { needed: GARCH_MIN_RETURNS, available: n },
    });
  }
  let mean = 0;
  let sq = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t] as number;
    if (!Number.isFinite(r)) throw new CrossmarginError('HISTORY_INVALID', `returns.${t}: not a finite number (${r})`, { field: `returns.${t}` });
    mean += r;
    sq += r * r;
  }
  mean /= n;
  const scale = Math.sqrt(constantMean ? sq / n - mean * mean : sq / n);
  if (!(scale > 0)) throw new CrossmarginError('HISTORY_INVALID', 'returns: all equal, so there is no variance to model', { field: 'returns' });

  const scaled = new Float64Array(n);
  for (let t = 0; t < n; t++) scaled[t] = (returns[t] as number) / scale;
  const scratch = new Float64Array(n + 1);
  const decode = (x: readonly number[]): Garch11Params => {
    const persistence = logistic(x[1] as number);
    const share = logistic(x[2] as number);
    return { mu: constantMean ? (x[3] as number) : 0, omega: Math.exp(x[0] as number), alpha: persistence * share, beta: persistence * (1 - share) };
  };
  const objective = (x: readonly number[]): number => -garchLogLikelihood(decode(x), scaled, scratch);
  const encode = (alpha: number, beta: number): number[] => {
    const x = [Math.log(1 - alpha - beta), logit(alpha + beta), logit(alpha / (alpha + beta))];
    if (constantMean) x.push(mean / scale);
    return x;
  };
  const step = constantMean ? [0.5, 0.5, 0.5, 0.05] : [0.5, 0.5, 0.5];
  const maxEvaluations = options.maxEvaluations ?? 3000;

  let evaluations = 0;
  let best: ReturnType<typeof minimiseNelderMead> | undefined;
  for (const [a, b] of [
    [0.05, 0.9],
    [0.1, 0.8],
    [0.03, 0.96],
  ] as const) {
    const run = minimiseNelderMead(objective, encode(a, b), { step, maxEvaluations });
    evaluations += run.evaluations;
    if (best === undefined || run.value < best.value) best = run;
  }
  const polished = minimiseNelderMead(objective, (best as NonNullable<typeof best>).x, { step: step.map((s) => s / 5), maxEvaluations });
  evaluations += polished.evaluations;
  const final = polished.value <= (best as NonNullable<typeof best>).value ? polished : (best as NonNullable<typeof best>);

  const unit = decode(final.x);
  const params: Garch11Params = { mu: unit.mu * scale, omega: unit.omega * scale * scale, alpha: unit.alpha, beta: unit.beta };
  return {
    params,
    logLikelihood: -final.value - n * Math.log(scale),
    evaluations,
    converged: polished.converged,
    persistence: garchPersistence(params),
    longRunVariance: garchLongRunVariance(params),
  };
}
