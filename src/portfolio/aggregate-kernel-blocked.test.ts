import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateKernel } from './aggregate-kernel.js';
import { aggregateKernelBlocked, aggregateRow } from './aggregate-kernel-blocked.js';
import { buildBook, type BookEntry } from './book.js';

/** Finite P&L / weight values, bounded so sums of 40 products stay finite; includes ±0 and subnormals. */
const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });

/** A random CSR book (rows 1..6, instruments 1..6, up to 40 entries, so rows of 0..40 positions) and P&L matrix. */
const caseArb = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), instruments: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 40 }) })
  .chain(({ rows, instruments, n }) =>
    fc.record({
      rows: fc.constant(rows),
      n: fc.constant(n),
      entries: fc.array(fc.record({ row: fc.integer({ min: 0, max: rows - 1 }), instrument: fc.integer({ min: 0, max: instruments - 1 }), weight: value }), { maxLength: 40 }),
      pnl: fc.array(value, { minLength: instruments * n, maxLength: instruments * n }).map((a) => Float64Array.from(a)),
    }),
  );

function sameBits(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return a.length === b.length;
}

describe('aggregateKernelBlocked (4 positions per pass) against the reference aggregateKernel', () => {
  it('is bit-identical to the reference on random CSR books and P&L matrices (property)', () => {
    fc.assert(
      fc.property(caseArb, ({ rows, n, entries, pnl }) => {
        const book = buildBook(rows, entries as BookEntry[]);
        const ref = new Float64Array(rows * n);
        aggregateKernel(book, pnl, n, ref);
        const fast = new Float64Array(rows * n).fill(Number.NaN); // stale values must be overwritten
        aggregateKernelBlocked(book, pnl, n, fast);
        expect(sameBits(fast, ref)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('every row width 0..13 (all remainders of 4) matches the reference bit for bit', () => {
    const n = 7;
    const pnl = new Float64Array(13 * n).map((_, i) => Math.sin(i + 1) * 1e3);
    for (let width = 0; width <= 13; width++) {
      const entries: BookEntry[] = Array.from({ length: width }, (_, p) => ({ row: 0, instrument: p, weight: (p % 3) - 1.25 }));
      const book = buildBook(1, entries);
      const ref = new Float64Array(n);
      const fast = new Float64Array(n).fill(99);
      aggregateKernel(book, pnl, n, ref);
      aggregateKernelBlocked(book, pnl, n, fast);
      expect(sameBits(fast, ref)).toBe(true);
    }
  });

  it('aggregateRow writes one row at an offset and leaves the rest of the buffer alone', () => {
    const n = 5;
    const pnl = new Float64Array(6 * n).map((_, i) => i - 11.5);
    const book = buildBook(2, [
      { row: 1, instrument: 0, weight: 2 },
      { row: 1, instrument: 3, weight: -1 },
      { row: 1, instrument: 5, weight: 0.5 },
      { row: 0, instrument: 2, weight: 1 },
    ]);
    const full = new Float64Array(2 * n);
    aggregateKernel(book, pnl, n, full);
    const buf = new Float64Array(n + 6).fill(7);
    aggregateRow(book, 1, pnl, n, buf, 3);
    expect(Array.from(buf.subarray(0, 3))).toEqual([7, 7, 7]);
    expect(Array.from(buf.subarray(3, 3 + n))).toEqual(Array.from(full.subarray(n, 2 * n)));
    expect(Array.from(buf.subarray(3 + n))).toEqual([7, 7, 7]);
  });

  it('empty rows aggregate to +0', () => {
    const out = new Float64Array(4).fill(7);
    aggregateKernelBlocked(buildBook(2, []), new Float64Array(2), 2, out);
    expect(sameBits(out, new Float64Array(4))).toBe(true);
  });
});
