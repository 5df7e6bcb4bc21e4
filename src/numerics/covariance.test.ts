import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import {
  cholesky,
  choleskyInto,
  correlationFromCovariance,
  covarianceFromCorrelation,
  ewmaCovariance,
  minEigenvalue,
  nearestCorrelation,
  sampleCovariance,
} from './covariance.js';

/** L·Lᵀ for an n × n row-major lower-triangular L. */
function reconstruct(l: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j]! += l[i * n + k]! * l[j * n + k]!;
  return out;
}

function expectClose(actual: Float64Array, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < actual.length; k++) expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThan(tol);
}

function errorOf(f: () => unknown): CrossmarginError {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return e;
    throw e;
  }
  throw new Error('expected a CrossmarginError');
}

describe('EWMA covariance (var-es.md §6 vectors, seeded with the first outer product)', () => {
  const r = Float64Array.of(0.01, -0.02, 0.015, -0.005, 0.03, -0.025, 0.0, 0.012, -0.018, 0.007);
  it('one asset, λ = 0.94 → 1.794751941506e-04 (σ 0.0133968352)', () => {
    const v = ewmaCovariance(r, 10, 1, 0.94)[0]!;
    expect(v).toBeCloseTo(1.794751941506e-4, 15);
    expect(Math.sqrt(v)).toBeCloseTo(0.0133968352, 10);
  });
  it('one asset, λ = 0.97 → 1.462547862661e-04 (σ 0.0120935845)', () => {
    const v = ewmaCovariance(r, 10, 1, 0.97)[0]!;
    expect(v).toBeCloseTo(1.462547862661e-4, 15);
    expect(Math.sqrt(v)).toBeCloseTo(0.0120935845, 10);
  });
  it('two assets, λ = 0.94 → Σ and ρ = 0.98637272328', () => {
    const returns = Float64Array.of(0.01, 0.008, -0.02, -0.015, 0.015, 0.01, -0.005, 0.002, 0.03, 0.02);
    const cov = ewmaCovariance(returns, 5, 2, 0.94);
    expectClose(cov, [1.65347512e-4, 1.207988288e-4, 1.207988288e-4, 9.070801744e-5], 1e-14);
    expect(correlationFromCovariance(cov, 2)[1]).toBeCloseTo(0.98637272328, 10);
  });
  it('rejects λ outside (0, 1) naming the field', () => {
    expect(errorOf(() => ewmaCovariance(r, 10, 1, 1)).field).toBe('lambda');
  });
});

describe('sample covariance', () => {
  // Two assets, four days: means 0.01 and 0; hand-computed sums of centred cross products.
  const returns = Float64Array.of(0.02, 0.01, 0.0, -0.01, 0.03, 0.02, -0.01, -0.02);
  it('demeaned, divisor T−1', () => {
    // Asset 0 deviations [0.01, −0.01, 0.02, −0.02]; asset 1 [0.01, −0.01, 0.02, −0.02].
    const cov = sampleCovariance(returns, 4, 2);
    expectClose(cov, [0.001 / 3, 0.001 / 3, 0.001 / 3, 0.001 / 3], 1e-18);
  });
  it('zero mean, divisor T', () => {
    const cov = sampleCovariance(returns, 4, 2, { demean: false });
    expectClose(cov, [0.0014 / 4, 0.001 / 4, 0.001 / 4, 0.001 / 4], 1e-18);
  });
  it('rejects a wrong-length or non-finite matrix naming the field', () => {
    expect(errorOf(() => sampleCovariance(returns, 3, 2)).code).toBe('MODEL_PARAMS_INVALID');
    expect(errorOf(() => sampleCovariance(Float64Array.of(0.01, Number.NaN, 0, 0), 2, 2)).field).toBe('returns[1]');
  });
  it('correlation ↔ covariance round trip', () => {
    const corr = Float64Array.of(1, 0.3, 0.3, 1);
    const cov = covarianceFromCorrelation(corr, Float64Array.of(0.02, 0.05));
    expectClose(cov, [0.0004, 0.0003, 0.0003, 0.0025], 1e-18);
    expectClose(correlationFromCovariance(cov, 2), corr, 1e-15);
    expect(errorOf(() => correlationFromCovariance(Float64Array.of(0, 0, 0, 1), 2)).field).toBe('covariance[0]');
  });
});

describe('nearestCorrelation (Higham 2002, alternating projections with Dykstra)', () => {
  it('published example [[1,1,0],[1,1,1],[0,1,1]] → 0.7607 / 0.1573 (R nearPD 0.7606899 / 0.1572981)', () => {
    const a = Float64Array.of(1, 1, 0, 1, 1, 1, 0, 1, 1);
    const { matrix: x, converged, iterations } = nearestCorrelation(a, 3, { tolerance: 1e-12 });
    expect(converged).toBe(true);
    expect(iterations).toBeGreaterThan(1);
    // numpy port: 0.7606898534 / 0.1572981061.
    expect(x[1]).toBeCloseTo(0.7606898534, 8);
    expect(x[5]).toBeCloseTo(0.7606898534, 8);
    expect(x[2]).toBeCloseTo(0.1572981061, 8);
    for (let i = 0; i < 3; i++) expect(x[i * 3 + i]).toBe(1);
    let frob = 0;
    for (let k = 0; k < 9; k++) frob += (a[k]! - x[k]!) ** 2;
    expect(Math.sqrt(frob)).toBeCloseTo(0.5277905, 6);
    expect(minEigenvalue(x, 3)).toBeGreaterThan(-1e-10);
  });
  it('4×4 stressed correlation (min eigenvalue −0.67916) → the §7 repair', () => {
    const b = Float64Array.of(1, 0.9, 0.7, -0.3, 0.9, 1, -0.4, 0.2, 0.7, -0.4, 1, 0.8, -0.3, 0.2, 0.8, 1);
    expect(minEigenvalue(b, 4)).toBeCloseTo(-0.67916, 5);
    const { matrix: x } = nearestCorrelation(b, 4);
    const expected = [
      1, 0.65225426, 0.41196657, -0.09241565, 0.65225426, 1, -0.16168957, 0.02825078, 0.41196657, -0.16168957, 1, 0.60032142, -0.09241565,
      0.02825078, 0.60032142, 1,
    ];
    expectClose(x, expected, 1e-7);
    expect(minEigenvalue(x, 4)).toBeGreaterThanOrEqual(-1e-10);
  });
  it('leaves a valid correlation matrix unchanged', () => {
    const c = Float64Array.of(1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1);
    const { matrix } = nearestCorrelation(c, 3);
    expectClose(matrix, c, 1e-14);
  });
  it('rejects an asymmetric matrix naming the entry', () => {
    const e = errorOf(() => nearestCorrelation(Float64Array.of(1, 0.5, 0.4, 1), 2));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe('correlation[2]');
  });
});

describe('cholesky', () => {
  it('factors a positive definite covariance: L·Lᵀ = Σ, L lower triangular', () => {
    const cov = Float64Array.of(0.0004, 0.0003, 0.0001, 0.0003, 0.0009, 0.0002, 0.0001, 0.0002, 0.0016);
    const { factor, repaired } = cholesky(cov, 3);
    expect(repaired).toBe(false);
    expect(factor[1]).toBe(0);
    expect(factor[2]).toBe(0);
    expect(factor[5]).toBe(0);
    expectClose(reconstruct(factor, 3), cov, 1e-18);
  });
  it('tolerates a singular PSD matrix (perfectly correlated underlyings) without repair', () => {
    const c = Float64Array.of(1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 1);
    const { factor, repaired } = cholesky(c, 3, { field: 'correlation' });
    expect(repaired).toBe(false);
    expectClose(reconstruct(factor, 3), c, 1e-12);
  });
  it('repairs a non-PSD matrix through Higham, keeping the variances', () => {
    const vols = Float64Array.of(0.02, 0.03, 0.05, 0.04);
    const b = Float64Array.of(1, 0.9, 0.7, -0.3, 0.9, 1, -0.4, 0.2, 0.7, -0.4, 1, 0.8, -0.3, 0.2, 0.8, 1);
    const cov = covarianceFromCorrelation(b, vols);
    const { factor, matrix, repaired } = cholesky(cov, 4);
    expect(repaired).toBe(true);
    for (let i = 0; i < 4; i++) expect(matrix[i * 4 + i]).toBeCloseTo(vols[i]! ** 2, 16);
    expect(correlationFromCovariance(matrix, 4)[1]).toBeCloseTo(0.65225426, 7);
    expectClose(reconstruct(factor, 4), matrix, 1e-12);
  });
  it('with repair off, a non-PSD matrix is MODEL_PARAMS_INVALID naming the field', () => {
    const e = errorOf(() => cholesky(Float64Array.of(1, 2, 2, 1), 2, { repair: false, field: 'stressCorrelation' }));
    expect(e.code).toBe('MODEL_PARAMS_INVALID');
    expect(e.field).toBe('stressCorrelation');
  });
  it('inputs no repair can fix are MODEL_PARAMS_INVALID naming the entry', () => {
    expect(errorOf(() => cholesky(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2)).field).toBe('covariance[1]');
    expect(errorOf(() => cholesky(Float64Array.of(-1, 0, 0, 1), 2)).field).toBe('covariance[0]');
    expect(errorOf(() => cholesky(Float64Array.of(0, 0.1, 0.1, 1), 2)).field).toBe('covariance[1]');
    expect(errorOf(() => cholesky(Float64Array.of(1, 0.2, 0.3, 1), 2)).field).toBe('covariance[2]');
    expect(errorOf(() => cholesky(Float64Array.of(1, 0, 0), 2)).field).toBe('covariance');
  });
  it('choleskyInto reports the failing row of a non-PSD matrix', () => {
    expect(choleskyInto(Float64Array.of(1, 2, 2, 1), 2, new Float64Array(4))).toBe(1);
  });
  it('every B·Bᵀ + diagonal factors without repair and reconstructs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n })),
        ),
        ([n, entries]) => {
          const b = Float64Array.from(entries);
          const a = new Float64Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let s = i === j ? 0.01 : 0;
              for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
              a[i * n + j] = s;
            }
          }
          // Symmetrise exactly (the two sums above round identically, but be explicit).
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
          const { factor, repaired } = cholesky(a, n);
          expect(repaired).toBe(false);
          expectClose(reconstruct(factor, n), a, 1e-12);
        },
      ),
    );
  });
});
