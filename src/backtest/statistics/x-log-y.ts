/**
 * n·ln(q) with the convention 0·ln 0 = 0 (backtesting.md preamble), so likelihoods with empty cells (no exceptions,
 * no consecutive exceptions) stay finite instead of becoming 0·(−∞) = NaN.
 */
export function xLogY(n: number, q: number): number {
  return n === 0 ? 0 : n * Math.log(q);
}
