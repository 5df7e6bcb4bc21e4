import { describe, expect, it } from 'vitest';
import type { BookEntry } from '../portfolio/book.js';

// With CROSSMARGIN_WASM=off (set before the loader first runs; vitest gives each test file its own process) the
// dispatchers must take the TypeScript kernels and give the same results.
process.env.CROSSMARGIN_WASM = 'off';
const { wasmRiskKernels } = await import('../numerics/wasm-risk-kernels.js');
const { aggregateKernel } = await import('../portfolio/aggregate-kernel.js');
const { aggregateKernelWasm } = await import('../portfolio/aggregate-kernel-wasm.js');
const { buildBook } = await import('../portfolio/book.js');
const { aggregateTailMeasures, aggregateTailMeasuresScratchLength } = await import('./aggregate-tail-measures.js');
const { aggregateTailMeasuresWasm } = await import('./aggregate-tail-measures-wasm.js');
const { tailMeasuresRowsWasm } = await import('./tail-measures-rows-wasm.js');
const { tailMeasuresScratchLength } = await import('./tail-measures.js');

describe('WASM dispatchers fall back to the TypeScript kernels', () => {
  it('reports the module unavailable and still computes the reference results', () => {
    expect(wasmRiskKernels()).toBeUndefined();
    const n = 40;
    const pnl = new Float64Array(3 * n).map((_, i) => Math.sin(i) * 100);
    const entries: BookEntry[] = [
      { row: 0, instrument: 0, weight: 2 },
      { row: 0, instrument: 2, weight: -1 },
      { row: 1, instrument: 1, weight: 0.5 },
    ];
    const book = buildBook(2, entries);
    const ref = new Float64Array(2 * n);
    aggregateKernel(book, pnl, n, ref);
    const out = new Float64Array(2 * n);
    aggregateKernelWasm(book, pnl, n, out);
    expect(Array.from(out)).toEqual(Array.from(ref));
    const fusedRef = new Float64Array(6);
    aggregateTailMeasures(book, pnl, n, 0.9, 0.9, new Float64Array(aggregateTailMeasuresScratchLength(n)), fusedRef);
    const fused = new Float64Array(6);
    aggregateTailMeasuresWasm(book, pnl, n, 0.9, 0.9, new Float64Array(aggregateTailMeasuresScratchLength(n)), fused);
    expect(Array.from(fused)).toEqual(Array.from(fusedRef));
    const rows = new Float64Array(6);
    tailMeasuresRowsWasm(ref, 2, n, 0.9, 0.9, new Float64Array(tailMeasuresScratchLength(n)), rows);
    expect(Array.from(rows)).toEqual(Array.from(fusedRef));
  });
});
