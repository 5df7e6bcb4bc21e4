import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { wasmRiskKernels } from '../numerics/wasm-risk-kernels.js';
import { poolMemory, sharedKernelsOver } from '../numerics/wasm-shared-kernels.js';
import { aggregateKernel } from '../portfolio/aggregate-kernel.js';
import { buildBook, type BookEntry } from '../portfolio/book.js';
import { aggregateTailMeasures, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';
import { expectedShortfall } from './expected-shortfall.js';
import { tailMeasures, tailMeasuresScratchLength, tailShape } from './tail-measures.js';
import { valueAtRisk } from './value-at-risk.js';
import { worstLoss } from './worst-loss.js';

// The WebAssembly SIMD path against the reference kernels. Node 20 has WebAssembly SIMD, so the module must load:
// a source checkout without dist/ builds it first (what `npm run build` does).
const wasmFile = fileURLToPath(new URL('../../dist/wasm/risk-kernels.wasm', import.meta.url));
beforeAll(() => {
  if (!existsSync(wasmFile)) execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url))], { stdio: 'inherit' });
}, 120_000);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A random book and P&L matrix; `ties` rounds values so many scenarios tie at the tail boundary. */
function randomCase(seed: number, rows: number, instruments: number, n: number, ties: boolean) {
  const next = mulberry32(seed);
  const pnl = new Float64Array(instruments * n).map(() => (ties ? Math.round(next() * 4) - 2 : next() - 0.5) * 100);
  const entries: BookEntry[] = [];
  for (let r = 0; r < rows; r++) {
    const width = Math.floor(next() * 24);
    for (let p = 0; p < width; p++) entries.push({ row: r, instrument: Math.floor(next() * instruments), weight: ties ? Math.round(next() * 6) - 3 : (next() - 0.5) * 20 });
  }
  return { pnl, book: buildBook(rows, entries) };
}

const alphas = fc.constantFrom(0.9, 0.975, 0.99, 1, 0);

describe('WebAssembly SIMD risk kernels against the TypeScript references', () => {
  it('loads where WebAssembly SIMD is available', () => {
    expect(wasmRiskKernels()).toBeDefined();
  });

  it('W2: the WebAssembly aggregate is bit-identical to aggregateKernel (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), (seed, rows, instruments, n, ties) => {
        const { pnl, book } = randomCase(seed, rows, instruments, n, ties);
        const ref = new Float64Array(rows * n);
        aggregateKernel(book, pnl, n, ref);
        const out = new Float64Array(rows * n).fill(Number.NaN);
        wasmRiskKernels()!.aggregate(book.rowStart, book.instrument, book.weight, book.rowCount, pnl, n, out);
        expect(sameBits(out, ref)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('W3: the WebAssembly tailMeasuresRows is bit-identical to tailMeasures and matches worstLoss / VaR / ES (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1100 }), fc.boolean(), alphas, alphas, (seed, rows, n, ties, varAlpha, esAlpha) => {
        const next = mulberry32(seed);
        const matrix = new Float64Array(rows * n).map(() => (ties ? Math.round(next() * 8) : (next() - 0.5) * 1e4));
        if (seed % 7 === 0) matrix.fill(-2.5, 0, n); // a constant row
        const scratch = new Float64Array(tailMeasuresScratchLength(n));
        const ref = new Float64Array(3 * rows);
        for (let r = 0; r < rows; r++) tailMeasures(matrix, r * n, n, varAlpha, esAlpha, scratch, ref, 3 * r);
        const out = new Float64Array(3 * rows).fill(Number.NaN);
        wasmRiskKernels()!.tailMeasuresRows(matrix, rows, n, tailShape(varAlpha, esAlpha, n), out);
        expect(sameBits(out, ref)).toBe(true);
        const s = new Float64Array(n);
        for (let r = 0; r < rows; r++) {
          expect(out[3 * r]).toBe(worstLoss(matrix, r * n, n));
          expect(out[3 * r + 1]).toBe(valueAtRisk(matrix, r * n, n, varAlpha, s));
          expect(out[3 * r + 2]).toBeCloseTo(expectedShortfall(matrix, r * n, n, esAlpha, s), 7);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('W2 + W3 fused: the WebAssembly aggregateTailMeasures is bit-identical to the TypeScript fused kernel (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1050 }), fc.boolean(), alphas, alphas, (seed, rows, instruments, n, ties, varAlpha, esAlpha) => {
        const { pnl, book } = randomCase(seed, rows, instruments, n, ties);
        const scratch = new Float64Array(aggregateTailMeasuresScratchLength(n));
        const ref = new Float64Array(3 * rows);
        aggregateTailMeasures(book, pnl, n, varAlpha, esAlpha, scratch, ref);
        const out = new Float64Array(3 * rows).fill(Number.NaN);
        wasmRiskKernels()!.aggregateTailMeasures(book.rowStart, book.instrument, book.weight, book.rowCount, pnl, n, tailShape(varAlpha, esAlpha, n), out);
        expect(sameBits(out, ref)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('W2/W3 shapes: N = 1,000 and 1,010, 20 positions per account, VaR99 / ES97.5, against the plain references', () => {
    for (const n of [1000, 1010]) {
      const { pnl } = randomCase(n, 1, 60, n, false);
      const next = mulberry32(n + 1);
      const entries: BookEntry[] = [];
      for (let a = 0; a < 30; a++) for (let p = 0; p < 20; p++) entries.push({ row: a, instrument: Math.floor(next() * 60), weight: Math.round((next() - 0.5) * 200) || 1 });
      const book = buildBook(30, entries);
      const matrix = new Float64Array(30 * n);
      aggregateKernel(book, pnl, n, matrix);
      const out = new Float64Array(90);
      wasmRiskKernels()!.aggregateTailMeasures(book.rowStart, book.instrument, book.weight, book.rowCount, pnl, n, tailShape(0.99, 0.975, n), out);
      const s = new Float64Array(n);
      for (let a = 0; a < 30; a++) {
        expect(out[3 * a]).toBe(worstLoss(matrix, a * n, n));
        expect(out[3 * a + 1]).toBe(valueAtRisk(matrix, a * n, n, 0.99, s));
        const es = expectedShortfall(matrix, a * n, n, 0.975, s);
        expect(Math.abs(out[3 * a + 2]! - es)).toBeLessThanOrEqual(1e-12 * Math.abs(es));
      }
    }
  });

  it("a resident matrix, and the shared-memory build's instances over slices of a book, give the same bits as the TypeScript kernels (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), alphas, (seed, rows, instruments, n, ties, alpha) => {
        const { pnl, book } = randomCase(seed, rows, instruments, n, ties);
        const ref = new Float64Array(3 * rows);
        aggregateTailMeasures(book, pnl, n, alpha, alpha, new Float64Array(aggregateTailMeasuresScratchLength(n)), ref);
        const kernels = wasmRiskKernels()!;
        const shape = tailShape(alpha, alpha, n);
        const matrix = new Float64Array(rows * n);
        aggregateKernel(book, pnl, n, matrix);
        const resident = kernels.residentRows(rows, n);
        resident.aggregate(book.rowStart, book.instrument, book.weight, pnl);
        expect(sameBits(resident.values(), matrix)).toBe(true);
        const measured = new Float64Array(3 * rows);
        resident.tailMeasures(shape, measured);
        expect(sameBits(measured, ref)).toBe(true);
        // Another call lays the memory out again: the old resident matrix refuses rather than read overwritten data.
        kernels.tailMeasuresRows(matrix, rows, n, shape, new Float64Array(3 * rows));
        expect(() => resident.values()).toThrow(expect.objectContaining({ code: 'INTERNAL' }));

        // The shared-memory build: two instances over one pool memory compute halves of the book in place.
        const cut = Math.floor(rows / 2);
        const pool = poolMemory()!;
        pool.reset();
        const rs = pool.put(book.rowStart), ins = pool.put(book.instrument), w = pool.put(book.weight), p = pool.put(pnl);
        const o = pool.reserve(rows * 3 * 8), scratch = pool.reserve(2 * 8 * (5 * n));
        const [one, two] = [sharedKernelsOver(pool.memory)!.exports, sharedKernelsOver(pool.memory)!.exports];
        one.aggregateTailMeasures(rs, ins, w, cut, p, n, shape.k, shape.m, shape.whole, shape.frac, shape.need, scratch, o);
        two.aggregateTailMeasures(rs + 4 * cut, ins, w, rows - cut, p, n, shape.k, shape.m, shape.whole, shape.frac, shape.need, scratch + 8 * 5 * n, o + 24 * cut);
        expect(sameBits(pool.f64(o, 3 * rows), ref)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});
