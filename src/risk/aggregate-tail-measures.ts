import { aggregateRow } from '../portfolio/aggregate-kernel-blocked.js';
import type { Book } from '../portfolio/book.js';
import { tailMeasures, tailMeasuresScratchLength } from './tail-measures.js';

/**
 * Aggregation and risk measures fused (W2 + W3 of /work/shared/perf): for each row r of the book, its scenario
 * P&L is built in a reused buffer with the blocked aggregation loop and reduced at once by `tailMeasures`, writing
 * `out[3r]` = worst loss, `out[3r+1]` = VaR at `varAlpha`, `out[3r+2]` = ES at `esAlpha` (positive losses).
 *
 * The row × scenario matrix is never materialised: 10,000 accounts × 1,000 scenarios would be 80 MB written and
 * read back through memory, while one row (8 kB) stays in L1 between the two steps. Results equal
 * `aggregateKernel` followed by worstLoss / valueAtRisk / expectedShortfall per row (the references it is tested
 * against). `scratch` must have length ≥ aggregateTailMeasuresScratchLength(scenarioCount). Allocates nothing.
 */
export function aggregateTailMeasures(
  book: Book,
  pnl: Float64Array,
  scenarioCount: number,
  varAlpha: number,
  esAlpha: number,
  scratch: Float64Array,
  out: Float64Array,
): void {
  aggregateTailMeasuresRange(book, 0, book.rowCount, pnl, scenarioCount, varAlpha, esAlpha, scratch, out, 0);
}

/**
 * `aggregateTailMeasures` over rows r0 ≤ r < r1 only, row r's [worst, VaR, ES] at out[outOffset + 3(r − r0)]: the
 * unit of work of the batch path's threads (risk/aggregate-tail-measures-pool.ts).
 */
export function aggregateTailMeasuresRange(
  book: Book,
  r0: number,
  r1: number,
  pnl: Float64Array,
  scenarioCount: number,
  varAlpha: number,
  esAlpha: number,
  scratch: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const n = scenarioCount;
  // One buffer: tailMeasures' own scratch first, the row right after it (tailMeasures allows that aliasing).
  const rowAt = tailMeasuresScratchLength(n);
  for (let r = r0; r < r1; r++) {
    aggregateRow(book, r, pnl, n, scratch, rowAt);
    tailMeasures(scratch, rowAt, n, varAlpha, esAlpha, scratch, out, outOffset + 3 * (r - r0));
  }
}

/** Scratch length `aggregateTailMeasures` needs for N scenarios: the tail kernel's scratch plus one row. */
export function aggregateTailMeasuresScratchLength(n: number): number {
  return tailMeasuresScratchLength(n) + n;
}
