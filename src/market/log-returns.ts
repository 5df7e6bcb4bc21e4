import { CrossmarginError } from '../core/errors.js';

/**
 * Daily log returns r_i = ln(c_{i+1} / c_i) of a close series: n closes give n − 1 returns (none for n < 2).
 * Writes into `out` when given (its first n − 1 slots; it may be longer, the result is then a view of that
 * prefix), so a caller looping over many series can reuse one buffer. Closes are assumed positive, as
 * `parsePriceHistory` guarantees; a non-positive close yields NaN or ±Infinity rather than an error, since
 * this sits in calibration loops.
 */
export function logReturns(close: Float64Array, out?: Float64Array): Float64Array {
  const m = Math.max(close.length - 1, 0);
  let result: Float64Array;
  if (out === undefined) {
    result = new Float64Array(m);
  } else {
    if (out.length < m) {
      throw new CrossmarginError('INTERNAL', `out: buffer holds ${out.length} returns but ${m} are needed`, {
        field: 'out',
        details: { needed: m, length: out.length },
      });
    }
    result = out.length === m ? out : out.subarray(0, m);
  }
  let prev = close[0] as number;
  for (let i = 0; i < m; i++) {
    const cur = close[i + 1] as number;
    result[i] = Math.log(cur / prev);
    prev = cur;
  }
  return result;
}
