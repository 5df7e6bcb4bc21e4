import { describe, expect, it } from 'vitest';
import type { BookEntry } from '../portfolio/book.js';

// With CROSSMARGIN_WASM=off (set before the loader first runs; vitest gives each test file its own process) the
// kernel pool must run the TypeScript kernels and give the same results.
process.env.CROSSMARGIN_WASM = 'off';
const { wasmRiskKernels } = await import('../numerics/wasm-risk-kernels.js');
const { aggregateKernel } = await import('../portfolio/aggregate-kernel.js');
const { buildBook } = await import('../portfolio/book.js');
const { aggregateTailMeasures, aggregateTailMeasuresScratchLength } = await import('./aggregate-tail-measures.js');
const { aggregateParallel, aggregateTailMeasuresParallel, tailMeasuresRowsParallel } = await import('./kernel-pool.js');

describe('without WebAssembly SIMD the kernel pool falls back to the TypeScript kernels', () => {
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
    expect(Array.from(aggregateParallel(book, pnl, n, { threads: 2 }).out)).toEqual(Array.from(ref));
    const fusedRef = new Float64Array(6);
    aggregateTailMeasures(book, pnl, n, 0.9, 0.9, new Float64Array(aggregateTailMeasuresScratchLength(n)), fusedRef);
    expect(Array.from(aggregateTailMeasuresParallel(book, pnl, n, 0.9, 0.9, { threads: 2 }).out)).toEqual(Array.from(fusedRef));
    expect(Array.from(tailMeasuresRowsParallel(ref, 2, n, 0.9, 0.9, { threads: 2 }).out)).toEqual(Array.from(fusedRef));
  });
});
