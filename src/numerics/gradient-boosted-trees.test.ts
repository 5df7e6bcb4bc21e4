import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { fitGbt, predictGbt, predictGbtRows, type GbtModel } from './gradient-boosted-trees.js';
import { ordinaryLeastSquares } from './ordinary-least-squares.js';

/** rows × 3 uniform features on [−1, 1] and y = sin(3x₀) + x₁² + 0.5·1{x₂ > 0.2} + noise. */
function nonlinear(rows: number, seed: number, noise = 0.1): { X: Float64Array; y: Float64Array } {
  const u = mulberry32(seed);
  const X = new Float64Array(rows * 3);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = 2 * u() - 1;
    const b = 2 * u() - 1;
    const c = 2 * u() - 1;
    X.set([a, b, c], i * 3);
    y[i] = Math.sin(3 * a) + b * b + (c > 0.2 ? 0.5 : 0) + noise * (u() - 0.5);
  }
  return { X, y };
}

const mse = (p: Float64Array, y: Float64Array): number => p.reduce((s, v, i) => s + (v - (y[i] as number)) ** 2, 0) / y.length;

/** Leaf index a row lands in. */
function leafOf(model: GbtModel, tree: number, x: Float64Array, offset: number): number {
  const t = model.trees[tree] as GbtModel['trees'][number];
  let node = 0;
  while ((t.feature[node] as number) >= 0) node = (x[offset + (t.feature[node] as number)] as number) <= (t.threshold[node] as number) ? (t.left[node] as number) : (t.right[node] as number);
  return node;
}

describe('gradient-boosted regression trees (squared loss)', () => {
  it('a single stump with learning rate 1 finds the exact step and the two means', () => {
    const x = Float64Array.from([0.1, 0.5, 0.2, 0.9, 0.7, 0.3, 0.8, 0.6]);
    const y = x.map((v) => (v > 0.55 ? 3 : 1));
    const m = fitGbt(x, y, { trees: 1, maxDepth: 1, learningRate: 1, minLeafSize: 1 });
    const t = m.trees[0] as GbtModel['trees'][number];
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBeCloseTo(0.55, 15); // midpoint of 0.5 and 0.6
    expect(m.base).toBe(2);
    expect(predictGbt(m, Float64Array.of(0.4))).toBeCloseTo(1, 14);
    expect(predictGbt(m, Float64Array.of(0.65))).toBeCloseTo(3, 14);
    expect(m.trainingMse[0]).toBeCloseTo(0, 25);
  });
  it('fits a known nonlinear function far better than a linear model, out of sample', () => {
    const train = nonlinear(800, 1);
    const test = nonlinear(400, 2);
    const model = fitGbt(train.X, train.y, { trees: 200, maxDepth: 3, learningRate: 0.1, minLeafSize: 10, subsample: 0.8, seed: 42 });
    const gbtMse = mse(predictGbtRows(model, test.X), test.y);
    const design = new Float64Array(800 * 4);
    for (let i = 0; i < 800; i++) design.set([1, ...train.X.subarray(i * 3, i * 3 + 3)], i * 4);
    const beta = ordinaryLeastSquares(design, 800, 4, train.y);
    const linear = new Float64Array(400);
    for (let i = 0; i < 400; i++) {
      linear[i] = (beta[0] as number) + [0, 1, 2].reduce((s, j) => s + (beta[j + 1] as number) * (test.X[i * 3 + j] as number), 0);
    }
    const linearMse = mse(linear, test.y);
    expect(gbtMse).toBeLessThan(0.25 * linearMse);
    expect(gbtMse).toBeLessThan(0.05);
    // The three informative features all carry gain.
    for (let j = 0; j < 3; j++) expect(model.gainByFeature[j]).toBeGreaterThan(0);
  });
  it('is deterministic for a seed, and the seed matters when subsampling', () => {
    const { X, y } = nonlinear(300, 3);
    const options = { trees: 30, maxDepth: 3, learningRate: 0.1, minLeafSize: 5, subsample: 0.6, seed: 9 };
    const a = fitGbt(X, y, options);
    const b = fitGbt(X, y, options);
    expect(b).toEqual(a);
    expect(Array.from(predictGbtRows(b, X))).toEqual(Array.from(predictGbtRows(a, X)));
    const c = fitGbt(X, y, { ...options, seed: 10 });
    expect(Array.from(predictGbtRows(c, X))).not.toEqual(Array.from(predictGbtRows(a, X)));
  });
  it('respects minLeafSize and maxDepth, and training MSE never rises without subsampling (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 4 }), (seed, minLeafSize, maxDepth) => {
        const { X, y } = nonlinear(120, seed, 0.5);
        const m = fitGbt(X, y, { trees: 8, maxDepth, learningRate: 0.5, minLeafSize });
        for (let k = 0; k < m.trees.length; k++) {
          const counts = new Map<number, number>();
          for (let i = 0; i < 120; i++) {
            const leaf = leafOf(m, k, X, i * 3);
            counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
          }
          for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(minLeafSize);
          expect(counts.size).toBeLessThanOrEqual(2 ** maxDepth);
        }
        for (let k = 1; k < m.trainingMse.length; k++) expect(m.trainingMse[k] as number).toBeLessThanOrEqual((m.trainingMse[k - 1] as number) * (1 + 1e-12));
      }),
      { numRuns: 40 },
    );
  });
  it('does not split a constant target, and predictGbtRows agrees with predictGbt row by row', () => {
    const { X } = nonlinear(50, 4);
    const m = fitGbt(X, new Float64Array(50).fill(0.7), { trees: 3, minLeafSize: 2 });
    for (const t of m.trees) expect(t.feature.length).toBe(1);
    expect(predictGbt(m, X, 6)).toBeCloseTo(0.7, 15);
    const { X: X2, y } = nonlinear(60, 5);
    const m2 = fitGbt(X2, y, { trees: 10, minLeafSize: 3 });
    const rows = predictGbtRows(m2, X2);
    for (let i = 0; i < 60; i++) expect(rows[i]).toBe(predictGbt(m2, X2.subarray(i * 3, i * 3 + 3)));
  });
  it('rejects bad options (MODEL_PARAMS_INVALID) and bad data (HISTORY_INVALID), naming the field', () => {
    const { X, y } = nonlinear(20, 6);
    for (const [field, options] of [
      ['trees', { trees: 0 }],
      ['maxDepth', { maxDepth: 0 }],
      ['learningRate', { learningRate: 0 }],
      ['learningRate', { learningRate: 1.5 }],
      ['minLeafSize', { minLeafSize: 0.5 }],
      ['subsample', { subsample: 0 }],
      ['seed', { seed: 1.5 }],
    ] as const) {
      expect(() => fitGbt(X, y, options)).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field }));
    }
    expect(() => fitGbt(X.subarray(0, 59), y)).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'X' }));
    const badX = Float64Array.from(X);
    badX[5] = Number.POSITIVE_INFINITY;
    expect(() => fitGbt(badX, y)).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'X' }));
    const badY = Float64Array.from(y);
    badY[2] = Number.NaN;
    expect(() => fitGbt(X, badY)).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'y.2' }));
    expect(() => fitGbt(new Float64Array(0), new Float64Array(0))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID', field: 'X' }));
  });
});
