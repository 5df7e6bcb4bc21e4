import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { tailMass, varRank } from '../core/tail-count.js';
import { expectedShortfall } from './expected-shortfall.js';
import { lowestScenarioIndices, tailMeasures, tailMeasuresScratchLength } from './tail-measures.js';
import { valueAtRisk } from './value-at-risk.js';
import { worstLoss } from './worst-loss.js';

/** The reference: the three plain functions, each on its own copy of the row. */
function reference(pnl: Float64Array, offset: number, n: number, varAlpha: number, esAlpha: number): [number, number, number] {
  const s = new Float64Array(n);
  return [worstLoss(pnl, offset, n), valueAtRisk(pnl, offset, n, varAlpha, s), expectedShortfall(pnl, offset, n, esAlpha, s)];
}

/** Indices of the `count` lowest, lowest first, ties by lower index (a full sort: obviously right, slow). */
function lowestIndices(pnl: Float64Array, offset: number, n: number, count: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => pnl[offset + a]! - pnl[offset + b]! || a - b)
    .slice(0, count);
}

/** Checks the kernel against the reference on row `pnl[offset .. offset+n)`, indices included. */
function check(pnl: Float64Array, offset: number, n: number, varAlpha: number, esAlpha: number): void {
  const scratch = new Float64Array(tailMeasuresScratchLength(n)).fill(Number.NaN);
  const out = new Float64Array(5).fill(Number.NaN);
  const tail = new Int32Array(n).fill(-1);
  const need = tailMeasures(pnl, offset, n, varAlpha, esAlpha, scratch, out, 1, tail);
  const [worst, v, es] = reference(pnl, offset, n, varAlpha, esAlpha);
  expect(Object.is(out[1], worst)).toBe(true);
  expect(Object.is(out[2], v)).toBe(true);
  // ES: the same terms summed in another order; bound the error by the size of the terms.
  let scale = 0;
  for (let s = 0; s < n; s++) scale = Math.max(scale, Math.abs(pnl[offset + s]!));
  expect(Math.abs(out[3]! - es)).toBeLessThanOrEqual(1e-12 * scale);
  expect(Number.isNaN(out[0])).toBe(true);
  expect(Number.isNaN(out[4])).toBe(true);
  const m = Math.min(n, tailMass(esAlpha, n));
  const esCount = m <= 0 ? 1 : Math.min(n, Math.ceil(m));
  expect(need).toBe(Math.max(varRank(varAlpha, n), esCount));
  expect(Array.from(tail.subarray(0, need))).toEqual(lowestIndices(pnl, offset, n, need));
  expect(tail[need] ?? -1).toBe(-1);
}

/** Rows of gaussian-like P&L (sum of uniforms), seeded, optionally rounded to create ties. */
function row(n: number, seed: number, round: number | undefined): Float64Array {
  const next = mulberry32(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (next() + next() + next() + next() - 2) * 1e4;
    a[i] = round === undefined ? x : Math.round(x / round) * round;
  }
  return a;
}

const alphas = fc.constantFrom(0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1, 0.5, 0);

describe('tailMeasures (threshold filter) against worstLoss / valueAtRisk / expectedShortfall', () => {
  it('W3 sizes: N = 1,000 and 1,010, VaR99 and ES97.5, continuous, tied and constant rows', () => {
    for (const n of [1000, 1010]) {
      for (let seed = 1; seed <= 20; seed++) {
        check(row(n, seed, undefined), 0, n, 0.99, 0.975);
        check(row(n, seed, 2500), 0, n, 0.99, 0.975); // ~16 distinct values: heavy ties at the boundary
        check(row(n, seed, 1), 0, n, 0.99, 0.975);
      }
      check(new Float64Array(n).fill(-3.5), 0, n, 0.99, 0.975);
      check(new Float64Array(n).fill(2), 0, n, 0.99, 0.975); // gains everywhere: worst floored at 0, VaR/ES negative
      check(new Float64Array(n), 0, n, 0.99, 0.975);
      const sorted = row(n, 7, undefined).sort();
      check(sorted, 0, n, 0.99, 0.975);
      check(sorted.slice().reverse(), 0, n, 0.99, 0.975);
    }
  });

  it('the same VaR / ES confidence (0.99 / 0.99 and 0.975 / 0.975) and the DESIGN.md example N = 250', () => {
    for (const a of [0.99, 0.975]) for (const n of [250, 1000, 1010]) check(row(n, n, undefined), 0, n, a, a);
    const losses = Float64Array.from({ length: 250 }, (_, i) => -(((i * 7919) % 250) + 1));
    const out = new Float64Array(3);
    tailMeasures(losses, 0, 250, 0.99, 0.975, new Float64Array(tailMeasuresScratchLength(250)), out, 0);
    expect(out[0]).toBe(250);
    expect(out[1]).toBe(248);
    expect(out[2]).toBeCloseTo(247.36, 12);
  });

  it('reads a row at an offset; pnl may share the scratch array beyond its length', () => {
    const n = 1010;
    const r = row(n, 3, 10);
    const len = tailMeasuresScratchLength(n);
    const shared = new Float64Array(len + n + 4);
    shared.set(r, len + 2);
    const out = new Float64Array(3);
    tailMeasures(shared, len + 2, n, 0.99, 0.975, shared, out, 0);
    const [worst, v, es] = reference(r, 0, n, 0.99, 0.975);
    expect(out[0]).toBe(worst);
    expect(out[1]).toBe(v);
    expect(out[2]).toBeCloseTo(es, 6);
  });

  it('matches the reference for any row length, confidence pair and tie pattern (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1100 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(undefined, 1, 1000, 1e4),
        alphas,
        alphas,
        fc.integer({ min: 0, max: 5 }),
        (n, seed, round, varAlpha, esAlpha, offset) => {
          const r = row(n + offset, seed, round);
          check(r, offset, n, varAlpha, esAlpha);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches the reference on arbitrary finite values, ±0 and extremes included (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), { minLength: 1, maxLength: 300 }), alphas, alphas, (values, varAlpha, esAlpha) => {
        check(Float64Array.from(values), 0, values.length, varAlpha, esAlpha);
      }),
      { numRuns: 300 },
    );
  });

  it('lowestScenarioIndices: any count 0..n+2, lowest first, ties by index (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(undefined, 1, 5000), fc.nat(), (n, seed, round, countSeed) => {
        const r = row(n, seed, round);
        const count = countSeed % (n + 3);
        const out = new Int32Array(n + 3).fill(-1);
        const c = lowestScenarioIndices(r, 0, n, count, new Float64Array(tailMeasuresScratchLength(n)), out);
        expect(c).toBe(Math.min(count, n));
        expect(Array.from(out.subarray(0, c))).toEqual(lowestIndices(r, 0, n, c));
        expect(out[c]).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});
