/**
 * Risk measures over one P&L vector (gain positive), returned as positive losses (DESIGN.md "Quantiles";
 * methods/var-es.md §1). They read `pnl[offset .. offset+n−1]` so callers can point into a row of an
 * account × scenario matrix without making a view; `scratch` (length ≥ n) is overwritten. None allocates.
 */

/** Largest loss over the scenarios, floored at 0 (a book that gains everywhere needs no margin). */
export function worstLoss(pnl: Float64Array, offset: number, n: number): number {
  let min = 0;
  for (let s = 0; s < n; s++) {
    const v = pnl[offset + s]!;
    if (v < min) min = v;
  }
  return 0 - min; // `0 - min` not `-min`: no negative zero in results
}

/** Index (0-based, relative to offset) of the scenario with the lowest P&L; ties keep the first. */
export function worstScenarioIndex(pnl: Float64Array, offset: number, n: number): number {
  let at = 0;
  let min = Infinity;
  for (let s = 0; s < n; s++) {
    const v = pnl[offset + s]!;
    if (v < min) {
      min = v;
      at = s;
    }
  }
  return at;
}
