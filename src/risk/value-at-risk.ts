import { varRank } from '../core/tail-count.js';
import { selectKth } from './select-kth.js';

/**
 * Risk measures over one P&L vector (gain positive), returned as positive losses (DESIGN.md "Quantiles";
 * methods/var-es.md §1). They read `pnl[offset .. offset+n−1]` so callers can point into a row of an
 * account × scenario matrix without making a view; `scratch` (length ≥ n) is overwritten. None allocates.
 */

/** VaR_α = the k-th worst loss with k = ⌈(1−α)·N⌉ (may be negative when even the k-th worst is a gain). */
export function valueAtRisk(pnl: Float64Array, offset: number, n: number, alpha: number, scratch: Float64Array): number {
  for (let s = 0; s < n; s++) scratch[s] = pnl[offset + s]!;
  const k = varRank(alpha, n);
  return 0 - selectKth(scratch, n, k - 1); // `0 - x`: no negative zero in results
}
