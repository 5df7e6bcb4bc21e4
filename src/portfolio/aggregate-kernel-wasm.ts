import { wasmRiskKernels } from '../numerics/wasm-risk-kernels.js';
import { aggregateKernelBlocked } from './aggregate-kernel-blocked.js';
import type { Book } from './book.js';

/**
 * `aggregateKernel` through the WebAssembly SIMD register tile (numerics/wasm/risk-kernels.ts: 8 scenarios in four
 * f64x2 accumulators, every position streamed through them, the row written once), falling back to
 * `aggregateKernelBlocked` where the module is unavailable. Both are bit-identical to the reference. The WASM path
 * copies the matrix in and the rows × scenarios result out (80 MB on W2), which caps its gain; the fused
 * aggregate-and-measure kernel (risk/aggregate-tail-measures-wasm.ts) avoids the output copy.
 */
export function aggregateKernelWasm(book: Book, pnl: Float64Array, scenarioCount: number, out: Float64Array): void {
  const wasm = wasmRiskKernels();
  if (wasm === undefined) aggregateKernelBlocked(book, pnl, scenarioCount, out);
  else wasm.aggregate(book.rowStart, book.instrument, book.weight, book.rowCount, pnl, scenarioCount, out);
}
