import { HAR_MONTH, harFeaturesAt } from './har-features.js';
import { HAR_MIN_VARIANCE } from './har-model.js';
import { checkIntegerOption, checkReturnCount, checkReturns } from '../../numerics/input-checks.js';

/*
 * Feature rows for the gradient-boosted volatility forecaster: the HAR features plus lagged absolute returns, all
 * made scale free by today's monthly realised variance s_t = RV_m(t) (har-features.ts), and the target likewise:
 *
 *   col 0  RV_d / s_t                 today's squared return relative to the month
 *   col 1  RV_w / s_t                 the week relative to the month
 *   col 2  RV_m / RV_q                the month relative to the quarter (RV_q = mean r² over t−65..t): mean reversion
 *   col 3  r_t / √s_t                 signed: lets the trees learn the leverage effect (falls raise vol more)
 *   col 4+ |r_{t−k}| / √s_t, k = 1..absLags   the recent path (|r_t| itself would repeat col 0: trees are invariant
 *                                              to monotone transforms of a feature)
 *
 * Why scale free: trees are piecewise constant and cannot extrapolate, so trees on raw variances would cap every
 * forecast at the levels seen in training — fatal when a quieter training window meets a crash. Normalised, the
 * trees learn a multiplicative correction to a base variance (vol-forecaster.ts divides the target by it), which
 * carries across vol regimes and across assets. All features of day t use r_0..r_t only.
 */

/** Days in the quarterly window of col 2. */
export const GBT_QUARTER = 66;
/** Default number of lagged |r| columns. */
export const GBT_DEFAULT_ABS_LAGS = 5;

/** Column names, in order, for `absLags` lags. */
export function gbtVolFeatureNames(absLags: number): string[] {
  const names = ['rvDaily/rvMonthly', 'rvWeekly/rvMonthly', 'rvMonthly/rvQuarterly', 'r/sqrt(rvMonthly)'];
  for (let k = 1; k <= absLags; k++) names.push(`|r(t-${k})|/sqrt(rvMonthly)`);
  return names;
}

/** First day (index into returns) with a complete feature row. */
export function gbtVolFirstDay(absLags: number): number {
  return Math.max(GBT_QUARTER - 1, HAR_MONTH - 1, absLags);
}

/**
 * Writes day t's feature row (4 + absLags values) into `out` at `offset` and returns its scale s_t (decimal²,
 * floored at HAR_MIN_VARIANCE). Needs t ≥ gbtVolFirstDay(absLags); reads r_0..r_t only.
 */
export function gbtVolFeaturesAt(returns: Float64Array, t: number, absLags: number, out: Float64Array, offset = 0): number {
  const har = harFeaturesAt(returns, t);
  const s = Math.max(har.monthly, HAR_MIN_VARIANCE);
  const root = Math.sqrt(s);
  let quarter = 0;
  for (let k = t - GBT_QUARTER + 1; k <= t; k++) quarter += (returns[k] as number) ** 2;
  quarter /= GBT_QUARTER;
  out[offset] = har.daily / s;
  out[offset + 1] = har.weekly / s;
  out[offset + 2] = quarter > 0 ? har.monthly / quarter : 1;
  out[offset + 3] = (returns[t] as number) / root;
  for (let k = 1; k <= absLags; k++) out[offset + 3 + k] = Math.abs(returns[t - k] as number) / root;
  return s;
}

export interface GbtVolDataset {
  /** Row-major rows × cols. */
  readonly X: Float64Array;
  readonly cols: number;
  readonly names: readonly string[];
  /** Day of row 0. */
  readonly firstDay: number;
  /** s_t = RV_m(t) per row, floored at HAR_MIN_VARIANCE (decimal²). */
  readonly scale: Float64Array;
  /** Row i: mean r² over the next `horizon` days (decimal², not scaled); NaN where the future is not in `returns`. */
  readonly target: Float64Array;
  /** Rows 0..labelled−1 have a target. */
  readonly labelled: number;
}

/**
 * Feature rows for every day t = gbtVolFirstDay(absLags) .. n − 1 and their targets. HISTORY_INVALID for
 * non-finite or too few returns; MODEL_PARAMS_INVALID for bad absLags (0..21) or horizon.
 */
export function buildGbtVolDataset(returns: Float64Array, options: { readonly absLags?: number; readonly horizon?: number } = {}): GbtVolDataset {
  const absLags = options.absLags ?? GBT_DEFAULT_ABS_LAGS;
  const horizon = options.horizon ?? 1;
  checkIntegerOption('absLags', absLags, 0, HAR_MONTH - 1);
  checkIntegerOption('horizon', horizon, 1);
  checkReturns(returns);
  const firstDay = gbtVolFirstDay(absLags);
  checkReturnCount(returns, firstDay + 1, 'a boosted-tree feature row (one quarter of history)');
  const n = returns.length;
  const cols = 4 + absLags;
  const rows = n - firstDay;
  const X = new Float64Array(rows * cols);
  const scale = new Float64Array(rows);
  const target = new Float64Array(rows).fill(Number.NaN);
  for (let i = 0; i < rows; i++) {
    const t = firstDay + i;
    const s = gbtVolFeaturesAt(returns, t, absLags, X, i * cols);
    scale[i] = s;
    if (t + horizon <= n - 1) {
      let m = 0;
      for (let k = t + 1; k <= t + horizon; k++) m += (returns[k] as number) ** 2;
      target[i] = m / horizon;
    }
  }
  return { X, cols, names: gbtVolFeatureNames(absLags), firstDay, scale, target, labelled: Math.max(rows - horizon, 0) };
}
