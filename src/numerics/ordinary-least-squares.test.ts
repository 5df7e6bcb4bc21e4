import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { ordinaryLeastSquares } from './ordinary-least-squares.js';

describe('ordinary least squares (Householder QR)', () => {
  it('recovers exact coefficients, also with variance-sized columns', () => {
    const u = mulberry32(7);
    const rows = 50;
    const X = new Float64Array(rows * 3);
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const a = u() * 1e-4;
      const b = u() * 1e-6;
      X.set([1, a, b], i * 3);
      y[i] = 2e-5 + 0.3 * a - 40 * b;
    }
    const beta = ordinaryLeastSquares(X, rows, 3, y);
    expect(beta[0]).toBeCloseTo(2e-5, 15);
    expect((beta[1] as number) / 0.3).toBeCloseTo(1, 10);
    expect((beta[2] as number) / -40).toBeCloseTo(1, 10);
  });
  it('matches the closed-form simple regression on noisy data', () => {
    const u = mulberry32(11);
    const rows = 200;
    const x = Float64Array.from({ length: rows }, () => u());
    const y = x.map((v) => 1 + 2 * v + (u() - 0.5));
    const X = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) X.set([1, x[i] as number], 2 * i);
    const mx = x.reduce((a, b) => a + b) / rows;
    const my = y.reduce((a, b) => a + b) / rows;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < rows; i++) {
      sxy += ((x[i] as number) - mx) * ((y[i] as number) - my);
      sxx += ((x[i] as number) - mx) ** 2;
    }
    const slope = sxy / sxx;
    const beta = ordinaryLeastSquares(X, rows, 2, y);
    expect(beta[1]).toBeCloseTo(slope, 12);
    expect(beta[0]).toBeCloseTo(my - slope * mx, 12);
  });
  it('rejects collinear or zero columns, too few rows and non-finite values with HISTORY_INVALID', () => {
    const X = Float64Array.from([1, 2, 1, 4, 1, 6, 1, 8].flatMap((v, i) => (i % 2 === 0 ? [v] : [v, v * 3])));
    // columns: 1, x, 3x → the third is collinear with the second
    expect(() => ordinaryLeastSquares(X, 4, 3, Float64Array.from([1, 2, 3, 4]), 'features')).toThrow(
      expect.objectContaining({ code: 'HISTORY_INVALID', field: 'features', message: expect.stringContaining('collinear') }),
    );
    expect(() => ordinaryLeastSquares(Float64Array.from([1, 0, 1, 0]), 2, 2, Float64Array.from([1, 2]))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
    expect(() => ordinaryLeastSquares(Float64Array.from([1, 2]), 1, 2, Float64Array.from([1]))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
    expect(() => ordinaryLeastSquares(Float64Array.from([1, Number.NaN]), 2, 1, Float64Array.from([1, 2]))).toThrow(expect.objectContaining({ code: 'HISTORY_INVALID' }));
  });
});
