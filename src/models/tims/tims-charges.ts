/**
 * The TIMS arithmetic after aggregation (methods/tims.md §2), shared by the per-account path (`evaluate`) and the
 * batch path (tims-batch.ts) so both make the same operations in the same order and give the same bits.
 */

/** Minimum categories per class: 0 futures/perpetuals/spot, 1 calls, 2 puts (tims.md §2 "minimum"). */
export const MINIMUM_CATEGORIES = 3;

/**
 * Net short contracts of a class, `net[at .. at+2]` being its signed net contracts per category: Σ max(0, −net),
 * categories counted apart, added left to right from 0.
 */
export function netShortContracts(net: Float64Array, at: number): number {
  let sum = 0;
  for (let k = 0; k < MINIMUM_CATEGORIES; k++) {
    const q = net[at + k]!;
    sum = sum + (q < 0 ? -q : 0);
  }
  return sum;
}

/**
 * Lowest product-group P&L over the group's `count` valuation points (account currency):
 * agg[j] = Σ_c (pnl_c[j] < 0 ? pnl_c[j] : offset · pnl_c[j]), classes `classes[from .. to−1]` being row indices of
 * `pnl` (`[row * n + j]`), added in that order. The first lowest point goes to `worst[0]`. Infinity when no point
 * has a finite aggregate below it (as the per-account loop always did).
 */
export function lowestGroupPnl(pnl: Float64Array, n: number, classes: ArrayLike<number>, from: number, to: number, offset: number, count: number, worst: Int32Array): number {
  let min = Infinity;
  let at = 0;
  for (let s = 0; s < count; s++) {
    let agg = 0;
    for (let k = from; k < to; k++) {
      const v = pnl[classes[k]! * n + s]!;
      agg += v < 0 ? v : offset * v;
    }
    if (agg < min) {
      min = agg;
      at = s;
    }
  }
  worst[0] = at;
  return min;
}

/** Risk margin of a product group from its lowest aggregated P&L: the loss, floored at 0 (no negative zero). */
export function groupRiskMargin(lowest: number): number {
  return lowest < 0 ? 0 - lowest : 0;
}

/** Account margin from premium margin + Σ group charges: floored at 0 (a net long-premium account needs none). */
export function timsMarginFloor(total: number): number {
  return total > 0 ? total : 0;
}
