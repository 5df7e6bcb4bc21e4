import type { Book } from './book.js';

/**
 * Account × scenario P&L = book (CSR) × instrument × scenario P&L matrix (DESIGN.md "aggregation kernel").
 *
 * `out[r * scenarioCount + s] = Σ_e weight[e] · pnl[instrument[e] * scenarioCount + s]` over row r's entries.
 * The inner loop runs over contiguous scenarios of one matrix row, so it streams memory. Allocates nothing.
 */
export function aggregateKernel(book: Book, pnl: Float64Array, scenarioCount: number, out: Float64Array): void {
  const { rowStart, instrument, weight } = book;
  const n = scenarioCount;
  for (let r = 0; r < book.rowCount; r++) {
    const outBase = r * n;
    out.fill(0, outBase, outBase + n);
    const end = rowStart[r + 1]!;
    for (let e = rowStart[r]!; e < end; e++) {
      const w = weight[e]!;
      const inBase = instrument[e]! * n;
      for (let s = 0; s < n; s++) out[outBase + s]! += w * pnl[inBase + s]!;
    }
  }
}
