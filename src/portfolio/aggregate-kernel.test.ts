import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateKernel } from './aggregate-kernel.js';
import { buildBook, type BookEntry } from './book.js';

/** Dense reference: out[r][s] = Σ weight × pnl[instrument][s], written without CSR. */
function dense(rowCount: number, entries: readonly BookEntry[], pnl: Float64Array, n: number): Float64Array {
  const out = new Float64Array(rowCount * n);
  for (const e of entries) for (let s = 0; s < n; s++) out[e.row * n + s]! += e.weight * pnl[e.instrument * n + s]!;
  return out;
}

const entryArb = (rows: number, instruments: number) =>
  fc.record({ row: fc.integer({ min: 0, max: rows - 1 }), instrument: fc.integer({ min: 0, max: instruments - 1 }), weight: fc.double({ min: -1e3, max: 1e3, noNaN: true }) });

describe('aggregation kernel (CSR book × instrument-scenario matrix)', () => {
  it('matches a dense computation on a hand example', () => {
    const pnl = Float64Array.from([1, 2, 3, /* instrument 1 */ -1, 0, 4]);
    const book = buildBook(2, [
      { row: 0, instrument: 0, weight: 2 },
      { row: 0, instrument: 1, weight: -1 },
      { row: 1, instrument: 1, weight: 0.5 },
    ]);
    const out = new Float64Array(6).fill(99); // stale values must be overwritten
    aggregateKernel(book, pnl, 3, out);
    expect(Array.from(out)).toEqual([3, 4, 2, -0.5, 0, 2]);
  });

  it('equals the dense reference; entry order within the book never changes the result (property)', () => {
    fc.assert(
      fc.property(fc.array(entryArb(4, 5), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (entries, n) => {
        const pnl = new Float64Array(5 * n).map((_, i) => Math.sin(i + 1) * 100);
        const out = new Float64Array(4 * n);
        aggregateKernel(buildBook(4, entries), pnl, n, out);
        const ref = dense(4, entries, pnl, n);
        const reversed = new Float64Array(4 * n);
        aggregateKernel(buildBook(4, [...entries].reverse()), pnl, n, reversed);
        for (let i = 0; i < out.length; i++) {
          expect(out[i]).toBeCloseTo(ref[i]!, 6);
          expect(reversed[i]).toBeCloseTo(out[i]!, 6);
        }
      }),
    );
  });

  it('empty rows aggregate to zero', () => {
    const out = new Float64Array(4).fill(7);
    aggregateKernel(buildBook(2, []), new Float64Array(2), 2, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });

  it('buildBook rejects rows outside the book', () => {
    expect(() => buildBook(1, [{ row: 1, instrument: 0, weight: 1 }])).toThrow(RangeError);
  });
});
