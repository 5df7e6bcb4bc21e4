import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minEigenvalue } from './covariance.js';
import { ledoitWolf } from './ledoit-wolf.js';

describe('ledoitWolf (var-es.md §7, target μI)', () => {
  it('matches a hand computation on three days of two assets', () => {
    // X = [[1, 2], [−1, 0], [0, −2]]: column means are 0, so Xc = X.
    // S = XᵀX/3 = [[2/3, 2/3], [2/3, 8/3]];  μ = tr(S)/2 = 5/3;  S − μI = [[−1, 2/3], [2/3, 1]] → δ² = 26/9.
    // ‖x_k x_kᵀ − S‖²_F: k=1 [[1/3, 4/3], [4/3, 4/3]] → 49/9; k=2 [[1/3, −2/3], [−2/3, −8/3]] → 73/9;
    //                    k=3 [[−2/3, −2/3], [−2/3, 4/3]] → 28/9;  sum 150/9, β̄² = (150/9)/9 = 50/27 < δ².
    // shrinkage = (50/27)/(26/9) = 25/39;  Σ̂ = 25/39·(5/3)I + 14/39·S.
    const x = Float64Array.from([1, 2, -1, 0, 0, -2]);
    const lw = ledoitWolf(x, 3, 2);
    expect(lw.mu).toBeCloseTo(5 / 3, 14);
    expect(lw.shrinkage).toBeCloseTo(25 / 39, 14);
    expect(Array.from(lw.sampleCovariance)).toEqual([2 / 3, 2 / 3, 2 / 3, 8 / 3].map((v) => expect.closeTo(v, 14)));
    const expected = [17 / 13, 28 / 117, 28 / 117, 79 / 39];
    expected.forEach((v, k) => expect(lw.matrix[k]).toBeCloseTo(v, 14));
  });

  it('demeans unless told the returns are centred', () => {
    const x = Float64Array.from([1, 2, -1, 0, 0, -2]);
    const shifted = x.map((v, k) => v + (k % 2 === 0 ? 0.5 : -3));
    const a = ledoitWolf(x, 3, 2);
    const b = ledoitWolf(shifted, 3, 2);
    expect(b.shrinkage).toBeCloseTo(a.shrinkage, 12);
    expect(ledoitWolf(shifted, 3, 2, { assumeCentred: true }).shrinkage).not.toBeCloseTo(a.shrinkage, 3);
  });

  it('has nothing to shrink when S already equals μI', () => {
    // Two uncorrelated unit-variance columns: S = I exactly.
    const x = Float64Array.from([1, 1, 1, -1, -1, 1, -1, -1]);
    const lw = ledoitWolf(x, 4, 2);
    expect(lw.shrinkage).toBe(0);
    expect(Array.from(lw.matrix)).toEqual([1, 0, 0, 1]);
  });

  it('property: shrinkage in [0, 1], a symmetric PSD result, between S and μI', () => {
    const sample = fc.record({
      p: fc.integer({ min: 1, max: 5 }),
      n: fc.integer({ min: 2, max: 30 }),
      // Returns on a 1e-6 grid: subnormal doubles (6e-323) are not returns and only test float underflow.
      seed: fc.array(fc.integer({ min: -200_000, max: 200_000 }).map((k) => k / 1e6), { minLength: 150, maxLength: 150 }),
    });
    fc.assert(
      fc.property(sample, ({ p, n, seed }) => {
        const x = Float64Array.from({ length: n * p }, (_, k) => seed[k % seed.length]! * (1 + (k % p)));
        const lw = ledoitWolf(x, n, p);
        expect(lw.shrinkage).toBeGreaterThanOrEqual(0);
        expect(lw.shrinkage).toBeLessThanOrEqual(1);
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) expect(lw.matrix[i * p + j]).toBeCloseTo(lw.matrix[j * p + i]!, 15);
        const scale = Math.max(1e-300, lw.mu);
        expect(minEigenvalue(lw.matrix, p)).toBeGreaterThanOrEqual(-1e-12 * scale);
        // Convex combination: each entry lies between S and μI.
        for (let i = 0; i < p; i++) {
          for (let j = 0; j < p; j++) {
            const s = lw.sampleCovariance[i * p + j]!;
            const t = i === j ? lw.mu : 0;
            const v = lw.matrix[i * p + j]!;
            expect(v).toBeGreaterThanOrEqual(Math.min(s, t) - 1e-15);
            expect(v).toBeLessThanOrEqual(Math.max(s, t) + 1e-15);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad input with a coded error naming the field', () => {
    expect(() => ledoitWolf(new Float64Array(3), 2, 2)).toThrow(/returns: expected 2×2/);
    expect(() => ledoitWolf(new Float64Array(2), 1, 2)).toThrow(/days/);
    expect(() => ledoitWolf(Float64Array.from([0, Number.NaN, 1, 1]), 2, 2)).toThrow(/returns\[1\]/);
  });
});
