import { wasmRiskKernels } from '../numerics/wasm-risk-kernels.js';
import type { Book } from '../portfolio/book.js';
import { aggregateTailMeasures } from './aggregate-tail-measures.js';
import { tailShape } from './tail-measures.js';

/**
 * `aggregateTailMeasures` (W2 + W3 fused: [worst, VaR, ES] per row, the row × scenario matrix never written) through
 * the WebAssembly SIMD kernels, falling back to the TypeScript kernel where the module is unavailable. The two give
 * the same bits (same operations in the same order). `scratch` (aggregateTailMeasuresScratchLength) is used only
 * by the fallback.
 */
export function aggregateTailMeasuresWasm(
  book: Book,
  pnl: Float64Array,
  scenarioCount: number,
  varAlpha: number,
  esAlpha: number,
  scratch: Float64Array,
  out: Float64Array,
): void {
  const wasm = wasmRiskKernels();
  if (wasm === undefined) aggregateTailMeasures(book, pnl, scenarioCount, varAlpha, esAlpha, scratch, out);
  else wasm.aggregateTailMeasures(book.rowStart, book.instrument, book.weight, book.rowCount, pnl, scenarioCount, tailShape(varAlpha, esAlpha, scenarioCount), out);
}
