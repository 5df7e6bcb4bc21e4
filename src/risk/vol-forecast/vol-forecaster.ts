import { CrossmarginError } from '../../core/errors.js';
import { ewmaVariance, fitGarch11, garchForecast, garchVariance, GARCH_MIN_RETURNS, type Garch11Params } from '../../numerics/volatility-filters.js';
import { fitGbt, predictGbt, predictGbtRows, type GbtModel, type GbtOptions } from '../../numerics/gradient-boosted-trees.js';
import { buildGbtVolDataset, GBT_DEFAULT_ABS_LAGS, gbtVolFeaturesAt, gbtVolFirstDay } from './gbt-vol-features.js';
import { buildHarDataset, HAR_MONTH, harFeaturesAt, sliceHarFeatures } from './har-features.js';
import { fitHar, HAR_DEFAULT_FLOOR_FRACTION, HAR_MIN_ROWS, HAR_MIN_VARIANCE, predictHarRow, type HarModel, type HarTransform } from './har-model.js';
import { checkIntegerOption, checkRangeOption, checkReturnCount, checkReturns } from '../../numerics/input-checks.js';

/*
 * One interface for every one-day-ahead variance forecaster, and the walk-forward protocol that turns any of them
 * into an out-of-sample forecast series.
 *
 * Returns are daily decimal log returns r_0..r_t; a forecast is σ²_{t+1|t} in decimal² (take √ for the daily vol).
 * `fit` trains on the returns it is given and returns an immutable fitted forecaster; `forecast` is then called
 * with the returns up to some day t (all of them, from r_0 — filters such as EWMA and GARCH use the whole path,
 * models with finite memory such as HAR read only its tail) and must use nothing beyond them.
 */

export interface FittedVolForecaster {
  readonly name: string;
  /** Fitted parameters, for reports (λ; ω, α, β; HAR coefficients; tree count …). */
  readonly params: Readonly<Record<string, number | string>>;
  /** σ²_{t+1|t} (decimal², finite, > 0) from `returns` = r_0..r_t. */
  forecast(returns: Float64Array): number;
}

export interface VolForecaster {
  readonly name: string;
  /** Fewest returns `fit` accepts. */
  readonly minFitReturns: number;
  /** Fewest returns `forecast` accepts. */
  readonly minForecastReturns: number;
  fit(returns: Float64Array): FittedVolForecaster;
}

// ---------------------------------------------------------------------------------------------------------------
// EWMA and GARCH(1,1): the baselines of var-es.md §6, exactly as volatility-filters.ts computes them for FHS.

/**
 * EWMA (RiskMetrics) with a fixed λ (default 0.94): nothing to fit. The forecast runs ewmaVariance over the whole
 * path given (seeded with r_0², as FHS does) and returns its last slot.
 */
export function ewmaForecaster(options: { readonly lambda?: number; readonly name?: string } = {}): VolForecaster {
  const lambda = options.lambda ?? 0.94;
  checkRangeOption('lambda', lambda, 0, 1, true);
  const name = options.name ?? `ewma-${lambda}`;
  const fitted: FittedVolForecaster = {
    name,
    params: { lambda },
    forecast(returns) {
      checkReturnCount(returns, 1, 'an EWMA forecast');
      return ewmaVariance(returns, lambda)[returns.length] as number;
    },
  };
  return { name, minFitReturns: 1, minForecastReturns: 1, fit: () => fitted };
}

/**
 * GARCH(1,1), zero mean, fitted by maximum likelihood (fitGarch11) on the training returns. The forecast filters
 * the whole path given with the fitted parameters (garchVariance: backcast start from that path only) and takes
 * garchForecast's σ²_{t+1} from the last conditional variance and return.
 */
export function garchForecaster(options: { readonly maxEvaluations?: number; readonly name?: string } = {}): VolForecaster {
  const name = options.name ?? 'garch11';
  return {
    name,
    minFitReturns: GARCH_MIN_RETURNS,
    minForecastReturns: 1,
    fit(returns) {
      const params: Garch11Params = fitGarch11(returns, { mean: 'zero', ...(options.maxEvaluations === undefined ? {} : { maxEvaluations: options.maxEvaluations }) }).params;
      return {
        name,
        params: { omega: params.omega, alpha: params.alpha, beta: params.beta },
        forecast(path) {
          checkReturnCount(path, 1, 'a GARCH forecast');
          const n = path.length;
          const v = garchVariance(params, path);
          return garchForecast(params, v[n - 1] as number, path[n - 1] as number, 1).nextVariance;
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HAR-RV (har-model.ts).

export interface HarForecasterOptions {
  /** `log` (default) or `level` (see har-model.ts). */
  readonly transform?: HarTransform;
  readonly floorFraction?: number;
  readonly name?: string;
}

/**
 * HAR-RV: fit = OLS of r²_{t+1} on (RV_d, RV_w, RV_m) of day t over the training returns (rows need a full month
 * behind them, so the first 21 training returns only feed features); forecast = the fitted HAR at the last day.
 */
export function harForecaster(options: HarForecasterOptions = {}): VolForecaster {
  const transform = options.transform ?? 'log';
  const name = options.name ?? `har-${transform}`;
  return {
    name,
    // HAR_MONTH − 1 warm-up returns, HAR_MIN_ROWS labelled rows and the last day, whose target is unknown.
    minFitReturns: HAR_MONTH + HAR_MIN_ROWS,
    minForecastReturns: HAR_MONTH,
    fit(returns) {
      checkReturnCount(returns, HAR_MONTH + HAR_MIN_ROWS, 'a HAR fit');
      const data = buildHarDataset(returns);
      const model: HarModel = fitHar(sliceHarFeatures(data.features, 0, data.labelled), data.target.subarray(0, data.labelled), {
        transform,
        ...(options.floorFraction === undefined ? {} : { floorFraction: options.floorFraction }),
      });
      return {
        name,
        params: { transform, intercept: model.intercept, daily: model.daily, weekly: model.weekly, monthly: model.monthly, smearing: model.smearing },
        forecast(path) {
          checkReturnCount(path, HAR_MONTH, 'a HAR forecast (one trading month)');
          return predictHarRow(model, harFeaturesAt(path, path.length - 1));
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Gradient-boosted trees on scale-free HAR features and |r| lags (gbt-vol-features.ts).

/**
 * The base variance b_t the trees correct: the forecast is b_t · (learned ratio).
 * - `har` (default): the log-HAR forecast (harForecaster({ transform: 'log' })) fitted on the same training window
 *   — the trees then only have to learn what HAR misses (asymmetry, the path of recent moves, interactions), and
 *   with heavy shrinkage they fall back to HAR rather than to noise. b_t / RV_m(t) is added as a feature.
 * - `monthly`: b_t = RV_m(t), the trailing month's mean r²; the trees must learn the whole dynamics.
 */
export type GbtVolBase = 'har' | 'monthly';

/**
 * What the trees are fitted to (squared loss either way), with q_t = r²_{t+1} / b_t:
 * - `log` (default): ln(q_t + GBT_LOG_OFFSET). The heavy right tail of q (a crash day is q ≈ 30–100) no longer
 *   dominates the squared loss; the back-transform is c · exp(F), with c = Σ q / Σ exp(F) over the training rows
 *   (F = in-sample prediction), so the mean training forecast equals the mean training q (a mean calibration in the
 *   spirit of Duan's smearing, which the HAR log model uses; the ratio form is steadier when a few rows have
 *   exp(F) small).
 * - `ratio`: q itself, prediction used as is — the textbook conditional-mean fit, but one extreme day can pull whole
 *   leaves, and with them forecasts, around.
 */
export type GbtVolTarget = 'log' | 'ratio';

/** ε of the `log` target, in units of the base variance: keeps ln finite on zero-return days. */
export const GBT_LOG_OFFSET = 0.01;

export interface GbtForecasterOptions extends GbtOptions {
  /** Default `har`. */
  readonly base?: GbtVolBase;
  /** Default `log`. */
  readonly target?: GbtVolTarget;
  /** Lagged |r| columns (0..21), default GBT_DEFAULT_ABS_LAGS = 5. */
  readonly absLags?: number;
  /** Forecast floor as a fraction of RV_m, in (0, 1]; default HAR_DEFAULT_FLOOR_FRACTION (as HAR). */
  readonly floorFraction?: number;
  readonly name?: string;
}

/**
 * Defaults of the volatility GBT: shallow, heavily shrunk trees (total shrinkage 100 × 0.02 = 2), since r² is a very
 * noisy target. Chosen on data before the period reported in docs/vol-forecasts.md (BTC 2018-11..2022-12, SPX
 * 2010-05..2016-04): more or deeper trees fitted noise and lost to log-HAR out of sample.
 */
export const GBT_VOL_DEFAULTS: Required<GbtOptions> = { trees: 100, maxDepth: 2, learningRate: 0.02, minLeafSize: 50, subsample: 0.7, seed: 1 };

/**
 * Boosted trees predicting r²_{t+1} / b_t (see GbtVolBase, GbtVolTarget) from the scale-free features of day t
 * (gbt-vol-features.ts, plus b_t / RV_m(t) for the `har` base); forecast = max(b_t · ratio, floorFraction · RV_m(t)).
 * Same seed at every refit, so a walk-forward run is reproducible.
 */
export function gbtForecaster(options: GbtForecasterOptions = {}): VolForecaster {
  const absLags = options.absLags ?? GBT_DEFAULT_ABS_LAGS;
  checkIntegerOption('absLags', absLags, 0, HAR_MONTH - 1);
  const target = options.target ?? 'log';
  if (target !== 'log' && target !== 'ratio') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `target: expected "log" or "ratio", got "${String(target)}"`, { field: 'target' });
  }
  const base = options.base ?? 'har';
  if (base !== 'har' && base !== 'monthly') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `base: expected "har" or "monthly", got "${String(base)}"`, { field: 'base' });
  }
  const floorFraction = options.floorFraction ?? HAR_DEFAULT_FLOOR_FRACTION;
  checkRangeOption('floorFraction', floorFraction, 0, 1);
  const gbtOptions: Required<GbtOptions> = {
    trees: options.trees ?? GBT_VOL_DEFAULTS.trees,
    maxDepth: options.maxDepth ?? GBT_VOL_DEFAULTS.maxDepth,
    learningRate: options.learningRate ?? GBT_VOL_DEFAULTS.learningRate,
    minLeafSize: options.minLeafSize ?? GBT_VOL_DEFAULTS.minLeafSize,
    subsample: options.subsample ?? GBT_VOL_DEFAULTS.subsample,
    seed: options.seed ?? GBT_VOL_DEFAULTS.seed,
  };
  checkIntegerOption('minLeafSize', gbtOptions.minLeafSize, 1);
  const name = options.name ?? 'gbt';
  const firstDay = gbtVolFirstDay(absLags);
  const featureCols = 4 + absLags;
  const cols = featureCols + (base === 'har' ? 1 : 0);
  // A split needs two leaves of minLeafSize rows; fewer labelled rows than that could only fit a constant.
  const minRows = Math.max(2 * gbtOptions.minLeafSize, 10);
  return {
    name,
    minFitReturns: firstDay + 1 + minRows,
    minForecastReturns: firstDay + 1,
    fit(returns) {
      checkReturnCount(returns, firstDay + 1 + minRows, 'a boosted-tree fit');
      const data = buildGbtVolDataset(returns, { absLags });
      const rows = data.labelled;
      let har: HarModel | undefined;
      if (base === 'har') {
        const h = buildHarDataset(returns);
        har = fitHar(sliceHarFeatures(h.features, 0, h.labelled), h.target.subarray(0, h.labelled), { transform: 'log', floorFraction });
      }
      // Base variance of day t, and the feature row (with b_t / RV_m for the `har` base) written at out[offset..].
      const baseAt = (path: Float64Array, t: number, out: Float64Array, offset: number): number => {
        const s = gbtVolFeaturesAt(path, t, absLags, out, offset);
        if (har === undefined) return s;
        const b = predictHarRow(har, harFeaturesAt(path, t));
        out[offset + featureCols] = b / s;
        return b;
      };
      const X = new Float64Array(rows * cols);
      const q = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const b = baseAt(returns, data.firstDay + i, X, i * cols);
        q[i] = (data.target[i] as number) / b;
      }
      const y = target === 'log' ? q.map((v) => Math.log(v + GBT_LOG_OFFSET)) : q;
      const model: GbtModel = fitGbt(X, y, gbtOptions);
      let calibration = 1;
      if (target === 'log') {
        const fitted = predictGbtRows(model, X);
        let sq = 0;
        let se = 0;
        for (let i = 0; i < rows; i++) {
          sq += q[i] as number;
          se += Math.exp(fitted[i] as number);
        }
        calibration = sq / se;
      }
      const row = new Float64Array(cols);
      return {
        name,
        params: { base, target, trees: gbtOptions.trees, maxDepth: gbtOptions.maxDepth, learningRate: gbtOptions.learningRate, minLeafSize: gbtOptions.minLeafSize, subsample: gbtOptions.subsample, seed: gbtOptions.seed, absLags, rows, calibration },
        forecast(path) {
          checkReturnCount(path, firstDay + 1, 'a boosted-tree forecast (one quarter of history)');
          const t = path.length - 1;
          const b = baseAt(path, t, row, 0);
          const f = predictGbt(model, row);
          const ratio = target === 'log' ? calibration * Math.exp(f) : f;
          const floor = Math.max(floorFraction * harFeaturesAt(path, t).monthly, HAR_MIN_VARIANCE);
          const v = b * ratio;
          return v > floor ? v : floor;
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Walk-forward protocol.

/** `rolling`: each fit sees the last trainWindow returns; `expanding`: every return from r_0. */
export type TrainingWindow = 'rolling' | 'expanding';

export interface VolWalkForwardOptions {
  /** Returns in each fit (rolling) or in the first fit (expanding); ≥ the forecaster's minFitReturns. */
  readonly trainWindow: number;
  /** Refit every k days (k ≥ 1); between refits the last fitted model keeps forecasting with new returns. */
  readonly refitEvery: number;
  /** Default `rolling`. */
  readonly window?: TrainingWindow;
  /** First slot to forecast, trainWindow ≤ firstForecast ≤ n (default trainWindow): skips fits nobody will read. */
  readonly firstForecast?: number;
}

export interface VolWalkForwardResult {
  readonly name: string;
  /**
   * n + 1 slots in the convention of volatility-filters.ts: slot j = σ²_{j|j−1}, the variance of r_j forecast from
   * r_0..r_{j−1} only; slot n is the forecast for the day after the last return. NaN before `first`.
   */
  readonly variance: Float64Array;
  /** First forecast slot. */
  readonly first: number;
  /** Day t (last return seen) of each fit, in order. */
  readonly fitDays: Int32Array;
  /** Parameters of the last fit (the one behind slot n). */
  readonly lastParams: Readonly<Record<string, number | string>>;
}

/**
 * Out-of-sample one-day-ahead variance forecasts with no look-ahead. For t = first − 1, …, n − 1 (t = the last
 * return observed): if (t − first + 1) is a multiple of refitEvery, refit on r_{t−trainWindow+1..t} (rolling) or
 * r_{0..t} (expanding); then slot t + 1 = fitted.forecast(r_0..r_t). So every parameter and every feature behind
 * slot t + 1 comes from returns ≤ t, and a change to r_{t+1} can only move slots t + 2 onwards (tested).
 *
 * HISTORY_INVALID for non-finite returns, fewer than trainWindow returns, or a forecast that is not finite and
 * positive (naming the forecaster and the slot); MODEL_PARAMS_INVALID for bad options.
 */
export function walkForwardVolForecast(returns: Float64Array, forecaster: VolForecaster, options: VolWalkForwardOptions): VolWalkForwardResult {
  const n = returns.length;
  const window = options.window ?? 'rolling';
  if (window !== 'rolling' && window !== 'expanding') {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `window: expected "rolling" or "expanding", got "${String(window)}"`, { field: 'window' });
  }
  checkIntegerOption('trainWindow', options.trainWindow, Math.max(forecaster.minFitReturns, forecaster.minForecastReturns));
  checkIntegerOption('refitEvery', options.refitEvery, 1);
  checkReturns(returns);
  checkReturnCount(returns, options.trainWindow, `walk-forward forecasting with trainWindow ${options.trainWindow}`);
  const first = options.firstForecast ?? options.trainWindow;
  checkIntegerOption('firstForecast', first, options.trainWindow, n);

  const variance = new Float64Array(n + 1).fill(Number.NaN);
  const fitDays: number[] = [];
  let fitted: FittedVolForecaster | undefined;
  for (let t = first - 1; t < n; t++) {
    if ((t - first + 1) % options.refitEvery === 0) {
      const from = window === 'rolling' ? t + 1 - options.trainWindow : 0;
      fitted = forecaster.fit(returns.subarray(from, t + 1));
      fitDays.push(t);
    }
    const v = (fitted as FittedVolForecaster).forecast(returns.subarray(0, t + 1));
    if (!(v > 0 && Number.isFinite(v))) {
      throw new CrossmarginError('HISTORY_INVALID', `${forecaster.name}: the variance forecast for returns.${t + 1} is ${v}; expected a finite positive number (flat prices?)`, {
        field: `returns.${t}`,
        details: { forecaster: forecaster.name, slot: t + 1, value: v },
      });
    }
    variance[t + 1] = v;
  }
  return { name: forecaster.name, variance, first, fitDays: Int32Array.from(fitDays), lastParams: (fitted as FittedVolForecaster).params };
}
