import { CrossmarginError } from '../../core/errors.js';

/*
 * Losses for variance forecasts (Patton 2011, "Volatility forecast comparison using imperfect volatility proxies",
 * J. Econometrics 160). With a noisy but conditionally unbiased proxy σ̂² of the true variance (here the squared
 * daily return r², har-features.ts), only losses in Patton's "robust" family rank forecasts the same way the true
 * variance would. MSE and QLIKE are both robust; QLIKE is the one whose ranking is driven by relative rather than
 * absolute errors, so a crypto crash day does not decide the comparison on its own.
 *
 *   QLIKE(σ̂², h) = σ̂²/h − ln(σ̂²/h) − 1      (≥ 0, = 0 iff h = σ̂²; the normalised form, unitless)
 *   MSE(σ̂², h)   = (σ̂² − h)²                 (decimal⁴)
 *
 * QLIKE needs σ̂² > 0: on a day with a zero return ln(0/h) = −∞. The term −ln σ̂² − 1 does not depend on the
 * forecast, so dropping such days from every forecaster alike leaves the comparison fair; compareForecasters does
 * that and reports how many days it kept.
 */

/** QLIKE loss of forecast `h` (> 0) against proxy `proxy` (> 0), both decimal²; +∞ for a zero proxy. */
export function qlike(proxy: number, h: number): number {
  const ratio = proxy / h;
  return ratio - Math.log(ratio) - 1;
}

/** Squared error of forecast `h` against `proxy` (decimal⁴). */
export function squaredError(proxy: number, h: number): number {
  return (proxy - h) ** 2;
}

export interface NamedForecast {
  readonly name: string;
  /** Variance forecasts aligned with the proxy (decimal²), all finite and > 0. */
  readonly variance: Float64Array;
}

export interface ForecastComparison {
  readonly name: string;
  /** Mean QLIKE over the days with a positive proxy. */
  readonly qlike: number;
  /** Mean squared error over all days (decimal⁴). */
  readonly mse: number;
  /** qlike / benchmark's qlike (1 for the benchmark). */
  readonly qlikeRatio: number;
  /** mse / benchmark's mse. */
  readonly mseRatio: number;
  /**
   * Diebold–Mariano statistic of the daily QLIKE differential d_t = L_t(this) − L_t(benchmark): mean(d)/√(var(d)/T),
   * approximately N(0, 1) under equal accuracy; negative = this forecaster is better. One-day-ahead forecast errors
   * are close to serially uncorrelated, so the plain variance is used, not a HAC one. 0 for the benchmark itself
   * (and whenever the differential is identically zero).
   */
  readonly dmQlike: number;
}

export interface CompareForecastersResult {
  /** Days compared for MSE. */
  readonly days: number;
  /** Days with a positive proxy, compared for QLIKE. */
  readonly qlikeDays: number;
  readonly benchmark: string;
  readonly rows: readonly ForecastComparison[];
}

/**
 * QLIKE, MSE and Diebold–Mariano statistics of several variance forecasts against one proxy series (typically
 * r_t² for the days forecast). `benchmark` (default: the first forecast) is the denominator of the ratios.
 * HISTORY_INVALID for misaligned series, a negative or non-finite proxy, or a non-positive / non-finite forecast;
 * MODEL_PARAMS_INVALID for an unknown benchmark or duplicate names.
 */
export function compareForecasters(proxy: Float64Array, forecasts: readonly NamedForecast[], options: { readonly benchmark?: string } = {}): CompareForecastersResult {
  if (forecasts.length === 0) throw new CrossmarginError('MODEL_PARAMS_INVALID', 'forecasts: nothing to compare', { field: 'forecasts' });
  const names = forecasts.map((f) => f.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) throw new CrossmarginError('MODEL_PARAMS_INVALID', `forecasts.${i}.name: "${name}" appears twice`, { field: `forecasts.${i}.name` });
  });
  const benchmark = options.benchmark ?? (names[0] as string);
  const b = names.indexOf(benchmark);
  if (b < 0) throw new CrossmarginError('MODEL_PARAMS_INVALID', `benchmark: "${benchmark}" is not one of ${names.join(', ')}`, { field: 'benchmark' });
  const n = proxy.length;
  if (n === 0) throw new CrossmarginError('HISTORY_INVALID', 'proxy: no days to compare', { field: 'proxy' });
  let qlikeDays = 0;
  for (let t = 0; t < n; t++) {
    const p = proxy[t] as number;
    if (!(p >= 0 && Number.isFinite(p))) throw new CrossmarginError('HISTORY_INVALID', `proxy.${t}: expected a finite variance ≥ 0, got ${p}`, { field: `proxy.${t}` });
    if (p > 0) qlikeDays++;
  }
  if (qlikeDays === 0) throw new CrossmarginError('HISTORY_INVALID', 'proxy: every day is zero (flat prices), so QLIKE is undefined', { field: 'proxy' });
  forecasts.forEach((f, k) => {
    if (f.variance.length !== n) {
      throw new CrossmarginError('HISTORY_INVALID', `forecasts.${k}.variance: ${f.variance.length} values for ${n} proxy days`, { field: `forecasts.${k}.variance` });
    }
    for (let t = 0; t < n; t++) {
      const h = f.variance[t] as number;
      if (!(h > 0 && Number.isFinite(h))) {
        throw new CrossmarginError('HISTORY_INVALID', `forecasts.${k}.variance.${t}: expected a finite variance > 0, got ${h}`, { field: `forecasts.${k}.variance.${t}` });
      }
    }
  });

  const losses = forecasts.map((f) => {
    const q = new Float64Array(qlikeDays);
    let mse = 0;
    let j = 0;
    for (let t = 0; t < n; t++) {
      const p = proxy[t] as number;
      const h = f.variance[t] as number;
      mse += squaredError(p, h);
      if (p > 0) q[j++] = qlike(p, h);
    }
    let sum = 0;
    for (let i = 0; i < qlikeDays; i++) sum += q[i] as number;
    return { daily: q, qlike: sum / qlikeDays, mse: mse / n };
  });
  const ref = losses[b] as (typeof losses)[number];
  const rows = forecasts.map((f, k): ForecastComparison => {
    const own = losses[k] as (typeof losses)[number];
    let mean = 0;
    for (let i = 0; i < qlikeDays; i++) mean += (own.daily[i] as number) - (ref.daily[i] as number);
    mean /= qlikeDays;
    let v = 0;
    for (let i = 0; i < qlikeDays; i++) v += ((own.daily[i] as number) - (ref.daily[i] as number) - mean) ** 2;
    v = qlikeDays > 1 ? v / (qlikeDays - 1) : 0;
    const dm = v > 0 ? mean / Math.sqrt(v / qlikeDays) : 0;
    return { name: f.name, qlike: own.qlike, mse: own.mse, qlikeRatio: own.qlike / ref.qlike, mseRatio: own.mse / ref.mse, dmQlike: dm };
  });
  return { days: n, qlikeDays, benchmark, rows };
}
