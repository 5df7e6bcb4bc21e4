import { CrossmarginError } from '../../core/errors.js';
import { normCdf } from '../../numerics/normal.js';
import { normalQuantile } from '../../numerics/normal-tail.js';
import { checkIntegerOption, checkRangeOption } from '../../numerics/input-checks.js';
import { compareForecasters, type ForecastComparison } from './qlike.js';
import { walkForwardVolForecast, type TrainingWindow, type VolForecaster, type VolWalkForwardResult } from './vol-forecaster.js';

/*
 * Out-of-sample comparison of variance forecasters on one return series: the statistical losses of qlike.ts and
 * the backtest of the simplest margin each forecast drives.
 *
 * Margin: a unit long position (notional 1) margined at the normal one-day VaR with the forecast vol,
 *   m_t = 1 − exp(−z_α σ_{t|t−1})        (fraction of notional; z_0.99 = 2.3263478740, var-es.md §4),
 * an exception is a day whose loss 1 − exp(r_t) exceeds m_t, i.e. r_t < −z_α σ_{t|t−1}. A well-calibrated
 * forecast has an exception rate close to 1 − α; Kupiec's POF test (backtesting.md §2) says whether the gap is
 * significant. The mean margin shows what the coverage costs.
 */

export interface MarginCoverage {
  readonly days: number;
  readonly exceptions: number;
  /** exceptions / days. */
  readonly rate: number;
  /** 1 − α. */
  readonly expectedRate: number;
  /** Kupiec POF likelihood ratio, ~ χ²(1) under correct coverage. */
  readonly kupiecLR: number;
  readonly kupiecPValue: number;
  /** Mean margin m_t, fraction of notional. */
  readonly meanMargin: number;
}

export interface ForecasterEvaluation extends ForecastComparison {
  /** Mean forecast daily vol √h (decimal). */
  readonly meanVol: number;
  /** Refits in the walk-forward run. */
  readonly fits: number;
  readonly coverage: MarginCoverage;
}

export interface VolForecastEvaluation {
  /** First evaluated return index (slot). */
  readonly first: number;
  /** Days evaluated (slots first..n−1: every forecast whose outcome is known). */
  readonly days: number;
  /** Days with a non-zero return, used for QLIKE. */
  readonly qlikeDays: number;
  readonly confidence: number;
  readonly benchmark: string;
  readonly rows: readonly ForecasterEvaluation[];
  /** The walk-forward series behind the rows (slot n = tomorrow's forecast, not evaluated). */
  readonly forecasts: readonly VolWalkForwardResult[];
}

export interface EvaluateForecastersOptions {
  readonly trainWindow: number;
  readonly refitEvery: number;
  readonly window?: TrainingWindow;
  /** Evaluate the last `evaluationDays` returns; default every return after the first training window. */
  readonly evaluationDays?: number;
  /** VaR confidence α of the coverage backtest, in (0, 1); default 0.99. */
  readonly confidence?: number;
  /** Name of the forecaster the ratios and Diebold–Mariano statistics refer to; default the first. */
  readonly benchmark?: string;
}

/**
 * Kupiec (1995) proportion-of-failures test, backtesting.md §2: LR = −2 ln[(1−p)^{T−x} p^x / ((1−x/T)^{T−x}
 * (x/T)^x)] with 0·ln 0 = 0, p-value = P(χ²₁ > LR) = 2(1 − Φ(√LR)). Vector: T = 1043, x = 57, p = 0.05 → 0.46147,
 * p-value 0.49694. The same statistic as backtest/statistics/kupiec-pof.ts, which calibration/ may not import
 * (backtest/ sits above it in the layer order).
 */
export function kupiecCoverageTest(days: number, exceptions: number, p: number): { readonly lr: number; readonly pValue: number } {
  checkIntegerOption('days', days, 1);
  checkIntegerOption('exceptions', exceptions, 0, days);
  checkRangeOption('p', p, 0, 1, true);
  const xlny = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(y));
  const x = exceptions;
  const T = days;
  const lr = Math.max(-2 * (xlny(T - x, 1 - p) + xlny(x, p) - xlny(T - x, 1 - x / T) - xlny(x, x / T)), 0);
  return { lr, pValue: 2 * normCdf(-Math.sqrt(lr)) };
}

/**
 * Walk-forward forecasts of every forecaster over the same days (walkForwardVolForecast, same options, the first
 * forecast slot n − evaluationDays for all), then QLIKE / MSE against r_t² and the margin coverage above.
 * MODEL_PARAMS_INVALID for no forecasters, duplicate names, bad evaluationDays (1 .. n − trainWindow) or confidence;
 * errors of walkForwardVolForecast and compareForecasters otherwise.
 */
export function evaluateForecasters(returns: Float64Array, forecasters: readonly VolForecaster[], options: EvaluateForecastersOptions): VolForecastEvaluation {
  if (forecasters.length === 0) throw new CrossmarginError('MODEL_PARAMS_INVALID', 'forecasters: nothing to evaluate', { field: 'forecasters' });
  const n = returns.length;
  checkIntegerOption('trainWindow', options.trainWindow, 1);
  const available = n - options.trainWindow;
  if (available < 1) {
    throw new CrossmarginError('HISTORY_INVALID', `returns: ${n} returns leave no day to evaluate after a ${options.trainWindow}-day training window`, { field: 'returns' });
  }
  const evaluationDays = options.evaluationDays ?? available;
  checkIntegerOption('evaluationDays', evaluationDays, 1, available);
  const confidence = options.confidence ?? 0.99;
  checkRangeOption('confidence', confidence, 0, 1, true);
  const first = n - evaluationDays;

  const forecasts = forecasters.map((f) =>
    walkForwardVolForecast(returns, f, { trainWindow: options.trainWindow, refitEvery: options.refitEvery, firstForecast: first, ...(options.window === undefined ? {} : { window: options.window }) }),
  );
  const proxy = new Float64Array(evaluationDays);
  for (let i = 0; i < evaluationDays; i++) proxy[i] = (returns[first + i] as number) ** 2;
  const comparison = compareForecasters(
    proxy,
    forecasts.map((w) => ({ name: w.name, variance: w.variance.subarray(first, n) })),
    options.benchmark === undefined ? {} : { benchmark: options.benchmark },
  );
  const z = normalQuantile(confidence);
  const rows = comparison.rows.map((row, k): ForecasterEvaluation => {
    const w = forecasts[k] as VolWalkForwardResult;
    let exceptions = 0;
    let margin = 0;
    let vol = 0;
    for (let t = first; t < n; t++) {
      const sigma = Math.sqrt(w.variance[t] as number);
      vol += sigma;
      margin += -Math.expm1(-z * sigma);
      if ((returns[t] as number) < -z * sigma) exceptions++;
    }
    const pof = kupiecCoverageTest(evaluationDays, exceptions, 1 - confidence);
    return {
      ...row,
      meanVol: vol / evaluationDays,
      fits: w.fitDays.length,
      coverage: {
        days: evaluationDays,
        exceptions,
        rate: exceptions / evaluationDays,
        expectedRate: 1 - confidence,
        kupiecLR: pof.lr,
        kupiecPValue: pof.pValue,
        meanMargin: margin / evaluationDays,
      },
    };
  });
  return { first, days: evaluationDays, qlikeDays: comparison.qlikeDays, confidence, benchmark: comparison.benchmark, rows, forecasts };
}

/** Markdown table of an evaluation (the one in docs/vol-forecasts.md). */
export function formatForecasterComparison(evaluation: VolForecastEvaluation): string {
  const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)} %`;
  const lines = [
    `| forecaster | QLIKE | QLIKE / ${evaluation.benchmark} | DM vs ${evaluation.benchmark} | MSE (×1e-6) | MSE / ${evaluation.benchmark} | mean σ (daily) | exceptions (${pct(1 - evaluation.confidence, 1)} VaR) | rate | Kupiec p | mean margin |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of evaluation.rows) {
    lines.push(
      `| ${r.name} | ${r.qlike.toFixed(4)} | ${r.qlikeRatio.toFixed(3)} | ${r.dmQlike.toFixed(2)} | ${(r.mse * 1e6).toFixed(3)} | ${r.mseRatio.toFixed(3)} | ${pct(r.meanVol)} | ${r.coverage.exceptions} / ${r.coverage.days} | ${pct(r.coverage.rate)} | ${r.coverage.kupiecPValue.toFixed(3)} | ${pct(r.coverage.meanMargin)} |`,
    );
  }
  return lines.join('\n');
}
