import { CrossmarginError } from '../../core/errors.js';

/**
 * How an h-day (MPOR) move is made from daily closes (var-es.md §8):
 * `overlapping` — the actual h-day log return ending on each day, r_t = ln(c_t / c_{t−h}); consecutive scenarios share
 *   h − 1 days, so they are not independent, but no distributional assumption is made;
 * `sqrt` — the 1-day log return ending on each day scaled by √h, r_t = √h · ln(c_t / c_{t−1}); valid for iid returns
 *   only, and it keeps each day's own shape (fat single-day tails are scaled, not diluted).
 */
export type MporMethod = 'overlapping' | 'sqrt';

/** Checks an MPOR in days: a positive whole number. MODEL_PARAMS_INVALID naming `field` otherwise. */
export function checkMpor(h: number, field = 'mpor'): void {
  if (!(Number.isInteger(h) && h >= 1)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: expected a whole number of days ≥ 1, got ${h}`, { field, details: { value: h } });
  }
}

/**
 * h-day log returns of a close series, one per end day that has h earlier closes: n closes give n − h returns
 * (none when n ≤ h), and `out[k]` is the return ending at close index k + h under either method, so both methods
 * give scenarios for the same end dates. Writes into `out` when given (a view of its first n − h slots if longer),
 * never allocating then: this runs once per underlying per scenario build, over thousands of days.
 * Closes are assumed positive (parsePriceHistory guarantees it).
 */
export function horizonLogReturns(close: Float64Array, h: number, method: MporMethod, out?: Float64Array): Float64Array {
  checkMpor(h);
  const m = Math.max(close.length - h, 0);
  let result: Float64Array;
  if (out === undefined) {
    result = new Float64Array(m);
  } else {
    if (out.length < m) {
      throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} returns but ${m} are needed`, { field: 'out', details: { needed: m, length: out.length } });
    }
    result = out.length === m ? out : out.subarray(0, m);
  }
  if (method === 'overlapping') {
    for (let k = 0; k < m; k++) result[k] = Math.log((close[k + h] as number) / (close[k] as number));
  } else {
    const scale = Math.sqrt(h);
    for (let k = 0; k < m; k++) result[k] = scale * Math.log((close[k + h] as number) / (close[k + h - 1] as number));
  }
  return result;
}
