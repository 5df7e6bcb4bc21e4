import { CrossmarginError } from '../../core/errors.js';
import { checkInteger, checkSeries } from './check-arguments.js';

/**
 * Procyclicality metrics of an initial-margin path (backtesting.md §7; Murphy, Vasios & Vause 2014, BoE FSP 29;
 * ESMA APC guidelines ask for such quantitative measures):
 *
 *   peakToTrough = max_t IM_t / min_t IM_t          (margin variation across the cycle)
 *   nDay         = max_t IM_t / IM_{t−n}             (largest short-term increase; n = 1 and 30 are reported)
 *
 * Toy: [100, 90, 80, 120, 200, 150] → peak-to-trough 200/80 = 2.5, largest 1-day increase 200/120 = 5/3.
 * A ratio to a zero margin is unbounded, so: peak-to-trough is undefined when the minimum is 0 (or the ratio
 * overflows), and n-day pairs with IM_{t−n} = 0 (or an overflowing ratio) are skipped (undefined if none is left, e.g. a path shorter than n + 1). The n-day value is
 * below 1 when margin only ever fell over n days; that is reported as is (it is a maximum ratio, not an increase).
 */
export interface ProcyclicalityMetrics {
  readonly peakToTrough: number | undefined;
  readonly max1Day: number | undefined;
  readonly max30Day: number | undefined;
}

function checkMargins(margin: Float64Array): void {
  if (margin.length === 0) throw new CrossmarginError('USAGE_INVALID', 'margin: needs at least one day', { field: 'margin' });
  checkSeries('margin', margin, margin.length, 'nonNegative');
}

/** max IM / min IM over the window; undefined when the minimum is 0. */
export function peakToTrough(margin: Float64Array): number | undefined {
  checkMargins(margin);
  let max = -Infinity;
  let min = Infinity;
  for (let t = 0; t < margin.length; t++) {
    const v = margin[t]!;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const ratio = max / min;
  // min > 0 but subnormal can still overflow the ratio; an infinite ratio is as undefined as a zero trough.
  return min > 0 && Number.isFinite(ratio) ? ratio : undefined;
}

/** max_t IM_t / IM_{t−n} over pairs with a positive base; undefined when there is none. */
export function maxNDayIncrease(margin: Float64Array, n: number): number | undefined {
  checkMargins(margin);
  checkInteger('n', n, 1);
  let best: number | undefined;
  for (let t = n; t < margin.length; t++) {
    const base = margin[t - n]!;
    const r = margin[t]! / base;
    // A zero (or subnormal, overflowing) base makes the ratio unbounded: skip the pair.
    if (base > 0 && Number.isFinite(r) && (best === undefined || r > best)) best = r;
  }
  return best;
}

/** Peak-to-trough and the largest 1-day and 30-day ratios. */
export function procyclicality(margin: Float64Array): ProcyclicalityMetrics {
  return { peakToTrough: peakToTrough(margin), max1Day: maxNDayIncrease(margin, 1), max30Day: maxNDayIncrease(margin, 30) };
}
