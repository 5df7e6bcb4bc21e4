import { checkIntegerOption, checkReturnCount, checkReturns } from '../../numerics/input-checks.js';

/*
 * HAR-RV features (Corsi 2009, "A simple approximate long-memory model of realized volatility"): the realised
 * variance of the last day, the last week (5 trading days) and the last month (22 trading days).
 *
 * Realised variance proxy. Corsi uses intraday realised variance; crossmargin only has daily closes, so the
 * realised variance of day t is proxied by the squared daily log return r_t² (decimal², 0.01² = a 1 % move).
 * It is an unbiased but very noisy proxy (for normal returns its relative standard deviation is √2), which is why
 * the losses in qlike.ts use a robust loss (QLIKE) rather than MSE for ranking.
 *
 * Indexing: returns r_0..r_{n−1}, r_t = ln(c_{t+1}/c_t) is "day t". A feature row for day t uses r_0..r_t only (it
 * is known at the close of t); its target is the mean of r² over t+1..t+h (h = horizon, default 1: tomorrow's r²).
 */

/** Days in the weekly HAR window (a trading week). */
export const HAR_WEEK = 5;
/** Days in the monthly HAR window (a trading month); also the first day with a full feature row is HAR_MONTH − 1. */
export const HAR_MONTH = 22;

/** Struct of arrays, one entry per row (day), each a mean squared daily log return (decimal²). */
export interface HarFeatures {
  /** RV_d = r_t². */
  readonly daily: Float64Array;
  /** RV_w = mean of r² over t−4..t. */
  readonly weekly: Float64Array;
  /** RV_m = mean of r² over t−21..t. */
  readonly monthly: Float64Array;
}

/** One row of HAR features, as plain numbers. */
export interface HarFeatureRow {
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export interface HarDataset {
  readonly features: HarFeatures;
  /** Day (index into `returns`) of row 0: HAR_MONTH − 1, the first day with a full month behind it. */
  readonly firstDay: number;
  readonly horizon: number;
  /** Row i (day t = firstDay + i): mean of r² over t+1..t+h; NaN when those days are not in `returns`. */
  readonly target: Float64Array;
  /** Rows that have a target: rows 0..labelled−1 (the last `horizon` rows have none — they are the ones to forecast). */
  readonly labelled: number;
}

export interface HarDatasetOptions {
  /** Target horizon h in days (default 1): the target is the mean of r² over the next h days. */
  readonly horizon?: number;
}

/** Mean of r² over the `window` days ending at t (t − window + 1 ≥ 0), summed oldest first. */
function meanSquare(returns: Float64Array, t: number, window: number): number {
  let s = 0;
  for (let k = t - window + 1; k <= t; k++) {
    const r = returns[k] as number;
    s += r * r;
  }
  return s / window;
}

/**
 * HAR features of day t from r_0..r_t (never a later return). Needs t ≥ HAR_MONTH − 1 (a full month); the caller
 * checks that. The batch builder below calls this very function, so a single row and the batch agree bit for bit.
 */
export function harFeaturesAt(returns: Float64Array, t: number): HarFeatureRow {
  const r = returns[t] as number;
  return { daily: r * r, weekly: meanSquare(returns, t, HAR_WEEK), monthly: meanSquare(returns, t, HAR_MONTH) };
}

/**
 * HAR features for every day t = HAR_MONTH − 1 .. n − 1 and their h-day-ahead targets (see the file comment).
 * The last row is today's: its features drive tomorrow's forecast and its target is NaN.
 * HISTORY_INVALID for non-finite returns or fewer than HAR_MONTH returns; MODEL_PARAMS_INVALID for a bad horizon.
 */
export function buildHarDataset(returns: Float64Array, options: HarDatasetOptions = {}): HarDataset {
  const horizon = options.horizon ?? 1;
  checkIntegerOption('horizon', horizon, 1);
  checkReturns(returns);
  checkReturnCount(returns, HAR_MONTH, 'a HAR feature row (one trading month)');
  const n = returns.length;
  const firstDay = HAR_MONTH - 1;
  const count = n - firstDay;
  const daily = new Float64Array(count);
  const weekly = new Float64Array(count);
  const monthly = new Float64Array(count);
  const target = new Float64Array(count).fill(Number.NaN);
  for (let i = 0; i < count; i++) {
    const t = firstDay + i;
    const row = harFeaturesAt(returns, t);
    daily[i] = row.daily;
    weekly[i] = row.weekly;
    monthly[i] = row.monthly;
    if (t + horizon <= n - 1) target[i] = meanSquare(returns, t + horizon, horizon);
  }
  return { features: { daily, weekly, monthly }, firstDay, horizon, target, labelled: Math.max(count - horizon, 0) };
}

/** Rows [from, to) of a feature set, as views (no copy). */
export function sliceHarFeatures(features: HarFeatures, from: number, to: number): HarFeatures {
  return { daily: features.daily.subarray(from, to), weekly: features.weekly.subarray(from, to), monthly: features.monthly.subarray(from, to) };
}
