import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { aggregateKernel } from '../portfolio/aggregate-kernel.js';
import { buildBook, type BookEntry } from '../portfolio/book.js';
import { aggregateTailMeasures, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';
import { expectedShortfall } from './expected-shortfall.js';
import { valueAtRisk } from './value-at-risk.js';
import { worstLoss } from './worst-loss.js';

/** Reference: materialise the row × scenario matrix with aggregateKernel, then the three plain measures per row. */
function reference(rows: number, entries: readonly BookEntry[], pnl: Float64Array, n: number, varAlpha: number, esAlpha: number): Float64Array {
  const matrix = new Float64Array(rows * n);
  aggregateKernel(buildBook(rows, entries), pnl, n, matrix);
  const s = new Float64Array(n);
  const out = new Float64Array(3 * rows);
  for (let r = 0; r < rows; r++) {
    out[3 * r] = worstLoss(matrix, r * n, n);
    out[3 * r + 1] = valueAtRisk(matrix, r * n, n, varAlpha, s);
    out[3 * r + 2] = expectedShortfall(matrix, r * n, n, esAlpha, s);
  }
  return out;
}

function compare(rows: number, entries: readonly BookEntry[], pnl: Float64Array, n: number, varAlpha: number, esAlpha: number): void {
  const ref = reference(rows, entries, pnl, n, varAlpha, esAlpha);
  const out = new Float64Array(3 * rows).fill(Number.NaN);
  const scratch = new Float64Array(aggregateTailMeasuresScratchLength(n)).fill(Number.NaN);
  aggregateTailMeasures(buildBook(rows, entries), pnl, n, varAlpha, esAlpha, scratch, out);
  let scale = 0;
  for (const x of pnl) scale = Math.max(scale, Math.abs(x));
  let wsum = 0;
  for (const e of entries) wsum += Math.abs(e.weight);
  for (let r = 0; r < rows; r++) {
    expect(out[3 * r]).toBe(ref[3 * r]); // worst and VaR are selected values of bit-identical rows
    expect(out[3 * r + 1]).toBe(ref[3 * r + 1]);
    expect(Math.abs(out[3 * r + 2]! - ref[3 * r + 2]!)).toBeLessThanOrEqual(1e-12 * scale * Math.max(1, wsum));
  }
}

describe('aggregateTailMeasures (fused W2 + W3) against aggregateKernel then worstLoss / VaR / ES', () => {
  it('W2/W3-shaped books: 20 positions per account, N = 1,000 and 1,010, VaR99 / ES97.5', () => {
    const instruments = 50;
    for (const n of [1000, 1010]) {
      const next = mulberry32(n);
      const pnl = new Float64Array(instruments * n).map(() => (next() - 0.5) * 1000);
      const entries: BookEntry[] = [];
      for (let a = 0; a < 40; a++) {
        const width = a % 7 === 0 ? a % 5 : 20; // some short and empty accounts too
        for (let p = 0; p < width; p++) entries.push({ row: a, instrument: Math.floor(next() * instruments), weight: Math.round((next() - 0.5) * 200) || 1 });
      }
      compare(40, entries, pnl, n, 0.99, 0.975);
    }
  });

  it('random books, matrices and confidences (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(0.9, 0.975, 0.99, 1, 0),
        fc.constantFrom(0.9, 0.975, 0.99, 1, 0),
        fc.boolean(),
        (rows, instruments, n, seed, varAlpha, esAlpha, ties) => {
          const next = mulberry32(seed);
          const pnl = new Float64Array(instruments * n).map(() => (ties ? Math.round(next() * 4) : next() - 0.5) * 100);
          const entries: BookEntry[] = [];
          const count = Math.floor(next() * 12);
          for (let e = 0; e < count; e++) entries.push({ row: Math.floor(next() * rows), instrument: Math.floor(next() * instruments), weight: ties ? Math.round(next() * 6) - 3 : (next() - 0.5) * 10 });
          compare(rows, entries, pnl, n, varAlpha, esAlpha);
        },
      ),
      { numRuns: 200 },
    );
  });
});
