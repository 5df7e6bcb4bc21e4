import { tailMass } from '../core/tail-count.js';
import { selectKth } from './select-kth.js';

/**
 * Risk measures over one P&L vector (gain positive), returned as positive losses (DESIGN.md "Quantiles";
 * methods/var-es.md §1). They read `pnl[offset .. offset+n−1]` so callers can point into a row of an
 * account × scenario matrix without making a view; `scratch` (length ≥ n) is overwritten. None allocates.
 */

/**
 * ES_α = (Σ of the ⌊m⌋ worst losses + (m−⌊m⌋) × the next one) / m with m = (1−α)·N (Acerbi–Tasche discrete ES).
 * N = 250, α = 0.975 → m = 6.25: the 6 worst plus a quarter of the 7th, over 6.25.
 */
export function expectedShortfall(pnl: Float64Array, offset: number, n: number, alpha: number, scratch: Float64Array): number {
  for (let s = 0; s < n; s++) scratch[s] = pnl[offset + s]!;
  const m = Math.min(n, tailMass(alpha, n));
  if (m <= 0) {
    // α = 1: the tail is empty; ES is the limit as α → 1, the worst loss.
    let min = Infinity;
    for (let s = 0; s < n; s++) if (scratch[s]! < min) min = scratch[s]!;
    return 0 - min;
  }
  const whole = Math.floor(m);
  const frac = m - whole;
  let sum = 0;
  if (whole < n) {
    // After selecting index `whole`, scratch[0..whole−1] hold the `whole` lowest P&Ls (any order).
    const next = selectKth(scratch, n, whole);
    for (let s = 0; s < whole; s++) sum += scratch[s]!;
    sum += frac * next;
  } else {
    for (let s = 0; s < n; s++) sum += scratch[s]!;
  }
  return (0 - sum) / m;
}
