import type { Book } from './book.js';

/**
 * Account × scenario P&L = book (CSR) × instrument × scenario P&L matrix, four positions per pass over the
 * account row. The reference `aggregateKernel` (aggregate-kernel.ts, kept as the twin this is tested against)
 * reads and writes the whole row once per position: 20 positions × N scenarios × 16 bytes of row traffic. Here
 * each pass folds four positions into the row, so the row is read and written 5 times instead of 20 and the
 * loop does 4 multiply-adds per load/store of it (W2 of /work/shared/perf: ~3.5× the reference).
 *
 * The additions stay in the reference's order, `((row + w0·x0) + w1·x1) + w2·x2 ...` left to right, and the
 * first pass starts from `0 + w0·x0` as the reference's zero-filled row does, so the result is bit-identical to
 * `aggregateKernel` (including +0 for an empty row and for `−0` products). Allocates nothing.
 */
export function aggregateKernelBlocked(book: Book, pnl: Float64Array, scenarioCount: number, out: Float64Array): void {
  for (let r = 0; r < book.rowCount; r++) aggregateRow(book, r, pnl, scenarioCount, out, r * scenarioCount);
}

/**
 * One row of the book into `out[outOffset .. outOffset + scenarioCount − 1]`, overwriting it: the inner loop of
 * `aggregateKernelBlocked`, exported so fused kernels can build one account's row in a small reused buffer.
 */
export function aggregateRow(book: Book, row: number, pnl: Float64Array, scenarioCount: number, out: Float64Array, outOffset: number): void {
  const { rowStart, instrument, weight } = book;
  const n = scenarioCount;
  const o = outOffset;
  let e = rowStart[row]!;
  const end = rowStart[row + 1]!;
  if (end - e >= 4) {
    // First pass writes the row (no zero fill): `0 + w0·x0` is what the reference computes on its zeroed row.
    const w0 = weight[e]!, w1 = weight[e + 1]!, w2 = weight[e + 2]!, w3 = weight[e + 3]!;
    const b0 = instrument[e]! * n, b1 = instrument[e + 1]! * n, b2 = instrument[e + 2]! * n, b3 = instrument[e + 3]! * n;
    for (let s = 0; s < n; s++) out[o + s] = 0 + w0 * pnl[b0 + s]! + w1 * pnl[b1 + s]! + w2 * pnl[b2 + s]! + w3 * pnl[b3 + s]!;
    e += 4;
  } else {
    out.fill(0, o, o + n);
  }
  for (; e + 4 <= end; e += 4) {
    const w0 = weight[e]!, w1 = weight[e + 1]!, w2 = weight[e + 2]!, w3 = weight[e + 3]!;
    const b0 = instrument[e]! * n, b1 = instrument[e + 1]! * n, b2 = instrument[e + 2]! * n, b3 = instrument[e + 3]! * n;
    for (let s = 0; s < n; s++) out[o + s] = out[o + s]! + w0 * pnl[b0 + s]! + w1 * pnl[b1 + s]! + w2 * pnl[b2 + s]! + w3 * pnl[b3 + s]!;
  }
  // 0–3 positions left: one more pass of that width.
  const left = end - e;
  if (left === 3) {
    const w0 = weight[e]!, w1 = weight[e + 1]!, w2 = weight[e + 2]!;
    const b0 = instrument[e]! * n, b1 = instrument[e + 1]! * n, b2 = instrument[e + 2]! * n;
    for (let s = 0; s < n; s++) out[o + s] = out[o + s]! + w0 * pnl[b0 + s]! + w1 * pnl[b1 + s]! + w2 * pnl[b2 + s]!;
  } else if (left === 2) {
    const w0 = weight[e]!, w1 = weight[e + 1]!;
    const b0 = instrument[e]! * n, b1 = instrument[e + 1]! * n;
    for (let s = 0; s < n; s++) out[o + s] = out[o + s]! + w0 * pnl[b0 + s]! + w1 * pnl[b1 + s]!;
  } else if (left === 1) {
    const w0 = weight[e]!;
    const b0 = instrument[e]! * n;
    for (let s = 0; s < n; s++) out[o + s] = out[o + s]! + w0 * pnl[b0 + s]!;
  }
}
