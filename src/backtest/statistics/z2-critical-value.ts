import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { CrossmarginError } from '../../core/errors.js';
import { varRank } from '../../core/tail-count.js';
import { normalQuantile, normalTail } from '../../numerics/normal-tail.js';
import { studentTRisk } from '../../risk/parametric/student-t-risk.js';
import { counterChiSquare, counterUniform, fillCounterNormals, NORMAL_STREAM } from '../../scenarios/monte-carlo/counter-rng.js';
import { checkInteger, checkProbability } from './check-arguments.js';

/**
 * Critical values of the Acerbi–Szekely Z2 statistic by seeded simulation under H0 (backtesting.md §6: "draw T
 * returns from the model, set VaR/ES to the model's true values, compute Z2, take the quantile; seed the
 * generator").
 *
 * The model is a standard normal or a standard Student-t_ν P&L, i.i.d. over T days; VaR and ES are its exact values
 * at tail probability α. Z2 is scale free, so location/scale (or unit-variance vs standard t) do not matter. The
 * critical value at test level q is the ⌈(1 − q)·n⌉-th smallest of n simulated Z2 (DESIGN.md quantile convention,
 * drift-free rank from core/tail-count): reject when the observed Z2 is below it.
 *
 * Two samplers give the same distribution:
 * - 'full' does literally what §6 says: T counter-based normals per simulation (scenarios/monte-carlo/counter-rng,
 *   stream 0 keyed by the simulation index), t_ν = Z/√(W/ν) with W = χ²_ν from the counter Gamma sampler keyed by
 *   simulation·T + day. Needs ν ≥ 2 (the Gamma sampler's shape ν/2 ≥ 1) and simulations·T ≤ 2³² (counter word).
 * - 'exceedances' (default) uses that Z2 depends on the sample only through the exceedances: under H0 their count
 *   is N ~ Binomial(T, α) and, given N, they are i.i.d. draws from the tail below −VaR, i.e. F⁻¹(α·U) with U
 *   uniform. So each simulation draws N by inverting the binomial CDF with one counter uniform (stream 0) and N tail
 *   values by inverse CDF from counter uniforms (stream 1), about αT draws instead of T (40× fewer at α = 2.5 %).
 *   Works for any ν > 1. The tests check both samplers against each other.
 * Both are pure functions of (seed, simulation index): deterministic and order independent.
 *
 * Check (MathWorks `esbacktest`, T = 1966, VaR level 0.975, test level 0.99): normal −0.34639, t₃ −0.42986.
 */
export type Z2NullDistribution = 'normal' | { readonly t: number };

export interface Z2NullSampleOptions {
  /** Days in the backtest. */
  readonly T: number;
  /** ES tail probability α (0.025 for a 97.5 % VaR/ES). */
  readonly alpha: number;
  readonly distribution: Z2NullDistribution;
  readonly simulations: number;
  /** Non-negative safe integer. */
  readonly seed: number;
  readonly sampler?: 'exceedances' | 'full';
  /** Called with (done, total) every PROGRESS_EVERY simulations and at the end, for a progress bar. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Z2CriticalValueOptions extends Z2NullSampleOptions {
  /** Test level q (0.95, 0.99): the critical value is the (1 − q) quantile of Z2 under H0. */
  readonly level: number;
}

const TWO_32 = 4294967296;
const COUNT_STREAM = 0;
const TAIL_STREAM = 1;
/** Upper bound on simulations, to keep a mistyped option from running for hours. */
const MAX_SIMULATIONS = 10_000_000;
const PROGRESS_EVERY = 1000;

interface NullModel {
  /** VaR of the standard distribution at tail probability α (positive). */
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
  /** F⁻¹ of the standard distribution. */
  readonly quantile: (u: number) => number;
  /** ν for Student-t, undefined for the normal. */
  readonly nu: number | undefined;
}

function nullModel(distribution: Z2NullDistribution, alpha: number): NullModel {
  if (distribution === 'normal') {
    const tail = normalTail(1 - alpha);
    return { valueAtRisk: tail.z, expectedShortfall: tail.esFactor, quantile: normalQuantile, nu: undefined };
  }
  const nu = distribution.t;
  if (!(Number.isFinite(nu) && nu > 1)) {
    throw new CrossmarginError('USAGE_INVALID', `distribution.t: Student-t degrees of freedom must be > 1 (finite ES), got ${nu}`, { field: 'distribution.t' });
  }
  // Standard t (not unit variance): VaR and ES at confidence 1 − α of the loss −X, equal to those of X by symmetry.
  const risk = studentTRisk(nu, 1 - alpha, { unitVariance: false, field: 'distribution.t' });
  return { valueAtRisk: risk.valueAtRisk, expectedShortfall: risk.expectedShortfall, quantile: (u) => tQuantile(u, nu), nu };
}

/**
 * Binomial(T, α) CDF as a table, built from the mode outwards by the pmf ratio recursion so that (1 − α)^T never
 * underflows for large T; the entry of the last non-negligible count is set to exactly 1, so inverting any uniform
 * in (0, 1) lands on a count that has probability.
 */
function binomialCdfTable(T: number, alpha: number): Float64Array {
  const pmf = new Float64Array(T + 1);
  const mode = Math.min(T, Math.floor((T + 1) * alpha));
  const odds = alpha / (1 - alpha);
  pmf[mode] = 1;
  for (let k = mode; k < T && pmf[k]! > 0; k++) pmf[k + 1] = (pmf[k]! * (T - k) * odds) / (k + 1);
  for (let k = mode; k > 0 && pmf[k]! > 0; k--) pmf[k - 1] = (pmf[k]! * k) / ((T - k + 1) * odds);
  let total = 0;
  for (let k = 0; k <= T; k++) total += pmf[k]!;
  const cdf = new Float64Array(T + 1);
  let running = 0;
  let last = 0;
  for (let k = 0; k <= T; k++) {
    running += pmf[k]! / total;
    cdf[k] = running;
    if (pmf[k]! > 0) last = k;
  }
  for (let k = last; k <= T; k++) cdf[k] = 1;
  return cdf;
}

/** Smallest k with cdf[k] ≥ u. */
function invertCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! >= u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function checkOptions(options: Z2NullSampleOptions): void {
  checkInteger('T', options.T, 1);
  checkProbability('alpha', options.alpha);
  checkInteger('simulations', options.simulations, 1, MAX_SIMULATIONS);
  checkInteger('seed', options.seed, 0);
  const sampler = options.sampler ?? 'exceedances';
  if (sampler !== 'exceedances' && sampler !== 'full') {
    throw new CrossmarginError('USAGE_INVALID', `sampler: must be "exceedances" or "full", got ${String(sampler)}`, { field: 'sampler' });
  }
  if (sampler === 'full') {
    if (typeof options.distribution === 'object' && !(options.distribution.t >= 2)) {
      throw new CrossmarginError('USAGE_INVALID', `distribution.t: the full sampler needs ν ≥ 2 (χ² by Gamma(ν/2 ≥ 1)), got ${options.distribution.t}`, {
        field: 'distribution.t',
      });
    }
    if (options.simulations * options.T > TWO_32) {
      throw new CrossmarginError('USAGE_INVALID', `simulations: the full sampler keys draws by simulation·T, which must be ≤ 2^32`, { field: 'simulations' });
    }
  }
}

/** n simulated Z2 values under H0, sorted ascending. */
export function z2NullSample(options: Z2NullSampleOptions): Float64Array {
  checkOptions(options);
  const { T, alpha, simulations, seed } = options;
  const model = nullModel(options.distribution, alpha);
  const scale = 1 / (T * alpha * model.expectedShortfall);
  const out = new Float64Array(simulations);
  if ((options.sampler ?? 'exceedances') === 'exceedances') {
    const cdf = binomialCdfTable(T, alpha);
    for (let s = 0; s < simulations; s++) {
      const n = invertCdf(cdf, counterUniform(seed, s, COUNT_STREAM, 0));
      let sum = 0;
      for (let k = 0; k < n; k++) sum += model.quantile(alpha * counterUniform(seed, s, TAIL_STREAM, k));
      out[s] = sum * scale + 1;
      if ((s + 1) % PROGRESS_EVERY === 0) options.onProgress?.(s + 1, simulations);
    }
  } else {
    const x = new Float64Array(T);
    const nu = model.nu;
    const threshold = -model.valueAtRisk;
    for (let s = 0; s < simulations; s++) {
      fillCounterNormals(seed, s, NORMAL_STREAM, x, 0, T);
      let sum = 0;
      for (let t = 0; t < T; t++) {
        let v = x[t]!;
        // A t draw can only exceed when its normal numerator is negative; skipping the χ² otherwise halves the cost.
        if (nu !== undefined && v < 0) v /= Math.sqrt(counterChiSquare(seed, s * T + t, nu) / nu);
        if (v < threshold) sum += v;
      }
      out[s] = sum * scale + 1;
      if ((s + 1) % PROGRESS_EVERY === 0) options.onProgress?.(s + 1, simulations);
    }
  }
  if (simulations % PROGRESS_EVERY !== 0) options.onProgress?.(simulations, simulations);
  return out.sort();
}

/** The (1 − level) quantile of Z2 under H0: reject the ES model at `level` when the observed Z2 is below it. */
export function z2CriticalValue(options: Z2CriticalValueOptions): number {
  checkProbability('level', options.level);
  const sample = z2NullSample(options);
  return sample[varRank(options.level, sample.length) - 1]!;
}
