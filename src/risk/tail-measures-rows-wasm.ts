import { wasmRiskKernels } from '../numerics/wasm-risk-kernels.js';
import { tailMeasures, tailShape } from './tail-measures.js';

/**
 * `tailMeasures` for every row of a rows × scenarios matrix, [worst, VaR, ES] per row into `out` (3 per row),
 * through the WebAssembly SIMD kernel, falling back to the TypeScript kernel (same bits) where the module is
 * unavailable. The WASM path copies the matrix into linear memory first (80 MB on W3); when the matrix is only an
 * intermediate, the fused risk/aggregate-tail-measures-wasm.ts is the faster route. `scratch`
 * (tailMeasuresScratchLength) is used only by the fallback.
 */
export function tailMeasuresRowsWasm(matrix: Float64Array, rows: number, scenarioCount: number, varAlpha: number, esAlpha: number, scratch: Float64Array, out: Float64Array): void {
  const n = scenarioCount;
  const wasm = wasmRiskKernels();
  if (wasm !== undefined) {
    wasm.tailMeasuresRows(matrix, rows, n, tailShape(varAlpha, esAlpha, n), out);
    return;
  }
  for (let r = 0; r < rows; r++) tailMeasures(matrix, r * n, n, varAlpha, esAlpha, scratch, out, 3 * r);
}
