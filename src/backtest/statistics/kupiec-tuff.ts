import { chiSquarePValue } from './chi-square-p-value.js';
import { checkIndicators, checkInteger, checkProbability } from './check-arguments.js';

/**
 * Kupiec's time-until-first-failure test (backtesting.md §3): is the first exception, on day v (1-based), too
 * early or too late for an exception probability p? Under H0, v is geometric with parameter p.
 *
 *   LR_tuff = −2 ln[ p(1−p)^{v−1} / ((1/v)(1−1/v)^{v−1}) ]  ~ χ²(1)
 *
 * The denominator is the geometric likelihood at its maximum p̂ = 1/v; for v = 1 it is 1 (0⁰ = 1), so
 * LR = −2 ln p. With no exception in the sample there is no v and the test has no statistic: the result is
 * `undefined` rather than a number, because the obvious substitutes (v = T + 1, or a censored likelihood) are
 * different tests whose χ²(1) calibration nobody publishes; the POF test already covers "too few exceptions".
 *
 * Vector (MathWorks `tuff`): v = 58, p = 0.05 → 1.7354, p-value 0.18773.
 */
export interface TuffResult {
  /** Day of the first exception, 1-based; undefined when there is none. */
  readonly firstFailure: number | undefined;
  readonly statistic: number | undefined;
  readonly pValue: number | undefined;
}

/** LR_tuff for a first failure on day `firstFailure` (1-based), or undefined statistics when it is undefined. */
export function kupiecTuff(firstFailure: number | undefined, p: number): TuffResult {
  checkProbability('p', p);
  if (firstFailure === undefined) return { firstFailure: undefined, statistic: undefined, pValue: undefined };
  checkInteger('firstFailure', firstFailure, 1);
  const v = firstFailure;
  const logNull = Math.log(p) + (v - 1) * Math.log1p(-p);
  const logAlt = v === 1 ? 0 : -Math.log(v) + (v - 1) * Math.log1p(-1 / v);
  const statistic = Math.max(0, -2 * (logNull - logAlt));
  return { firstFailure: v, statistic, pValue: chiSquarePValue(statistic, 1) };
}

/** Day (1-based) of the first 1 in a 0/1 exception series, or undefined if there is none. */
export function firstFailureDay(indicators: Uint8Array): number | undefined {
  checkIndicators('indicators', indicators);
  const i = indicators.indexOf(1);
  return i < 0 ? undefined : i + 1;
}
