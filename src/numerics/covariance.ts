import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { CrossmarginError } from '../core/errors.js';

/**
 * Covariance estimation and repair for Monte Carlo and parametric VaR (methods/var-es.md §6 EWMA, §7 Higham).
 *
 * Layout: a returns matrix is `days × assets`, row-major (`returns[t * assets + i]` = return of asset i on day t,
 * decimal, e.g. log returns); covariance / correlation matrices are `n × n` row-major, symmetric. Estimators are off
 * the hot path and may allocate their result; the Cholesky kernel `choleskyInto` does not allocate.
 */

function invalid(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${message}`, { field });
}

function checkReturns(returns: Float64Array, days: number, assets: number, minDays: number, field: string): void {
  if (!Number.isInteger(assets) || assets < 1) throw invalid(`${field}.assets`, `expected a positive integer, got ${assets}`);
  if (!Number.isInteger(days) || days < minDays) throw invalid(`${field}.days`, `expected at least ${minDays} days, got ${days}`);
  if (returns.length !== days * assets) throw invalid(field, `expected ${days}×${assets} = ${days * assets} values, got ${returns.length}`);
  for (let k = 0; k < returns.length; k++) {
    if (!Number.isFinite(returns[k]!)) throw invalid(`${field}[${k}]`, `return is not finite (${returns[k]})`);
  }
}

export interface SampleCovarianceOptions {
  /**
   * true (default): subtract each asset's sample mean and divide by T − 1 (unbiased). false: assume zero mean (usual
   * for daily returns, where the mean is noise) and divide by T.
   */
  readonly demean?: boolean;
  /** Field name used in error messages. */
  readonly field?: string;
}

/** Sample covariance of a `days × assets` returns matrix; result `assets × assets`, units return². */
export function sampleCovariance(returns: Float64Array, days: number, assets: number, options: SampleCovarianceOptions = {}): Float64Array {
  const demean = options.demean ?? true;
  const field = options.field ?? 'returns';
  checkReturns(returns, days, assets, demean ? 2 : 1, field);
  const mean = new Float64Array(assets);
  if (demean) {
    for (let t = 0; t < days; t++) for (let i = 0; i < assets; i++) mean[i]! += returns[t * assets + i]!;
    for (let i = 0; i < assets; i++) mean[i]! /= days;
  }
  const out = new Float64Array(assets * assets);
  for (let t = 0; t < days; t++) {
    const row = t * assets;
    for (let i = 0; i < assets; i++) {
      const di = returns[row + i]! - mean[i]!;
      for (let j = 0; j <= i; j++) out[i * assets + j]! += di * (returns[row + j]! - mean[j]!);
    }
  }
  const divisor = demean ? days - 1 : days;
  for (let i = 0; i < assets; i++) {
    for (let j = 0; j <= i; j++) {
      const v = out[i * assets + j]! / divisor;
      out[i * assets + j] = v;
      out[j * assets + i] = v;
    }
  }
  return out;
}

/**
 * EWMA (RiskMetrics) covariance, var-es.md §6: σ_ij ← λ σ_ij + (1−λ) r_i r_j, zero mean.
 *
 * Seeding convention (fixed here, as §6 asks): Σ starts at the outer product of the first day's returns, r₀ r₀ᵀ,
 * then days 1..T−1 are folded in. The result is therefore the forecast for day T (the day after the last return),
 * σ²_{T|T−1} in §6's notation. λ = 0.94 is RiskMetrics daily; some CCPs use 0.97. Units return².
 */
export function ewmaCovariance(returns: Float64Array, days: number, assets: number, lambda: number, field = 'returns'): Float64Array {
  if (!(lambda > 0 && lambda < 1)) throw invalid('lambda', `EWMA decay must be in (0, 1), got ${lambda}`);
  checkReturns(returns, days, assets, 1, field);
  const out = new Float64Array(assets * assets);
  for (let i = 0; i < assets; i++) {
    for (let j = 0; j < assets; j++) out[i * assets + j] = returns[i]! * returns[j]!;
  }
  const w = 1 - lambda;
  for (let t = 1; t < days; t++) {
    const row = t * assets;
    for (let i = 0; i < assets; i++) {
      const ri = returns[row + i]!;
      for (let j = 0; j < assets; j++) {
        const k = i * assets + j;
        out[k] = lambda * out[k]! + w * ri * returns[row + j]!;
      }
    }
  }
  return out;
}

/**
 * Correlation ρ_ij = σ_ij / (σ_i σ_j) of an `n × n` covariance; unit diagonal exactly. A zero or negative variance has
 * no correlation and is rejected naming `field[i]`.
 */
export function correlationFromCovariance(covariance: Float64Array, n: number, field = 'covariance'): Float64Array {
  checkSquare(covariance, n, field);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = covariance[i * n + i]!;
    if (!(v > 0)) throw invalid(`${field}[${i * n + i}]`, `variance of asset ${i} must be positive to define a correlation, got ${v}`);
    sd[i] = Math.sqrt(v);
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = i === j ? 1 : covariance[i * n + j]! / (sd[i]! * sd[j]!);
  }
  return out;
}

/** Covariance Σ_ij = ρ_ij σ_i σ_j from a correlation and per-asset vols (same units as the vols, squared). */
export function covarianceFromCorrelation(correlation: Float64Array, vols: Float64Array): Float64Array {
  const n = vols.length;
  checkSquare(correlation, n, 'correlation');
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = correlation[i * n + j]! * vols[i]! * vols[j]!;
  return out;
}

function checkSquare(a: Float64Array, n: number, field: string): void {
  if (!Number.isInteger(n) || n < 1) throw invalid(field, `matrix size must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw invalid(field, `expected an ${n}×${n} matrix (${n * n} values), got ${a.length}`);
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k]!)) throw invalid(`${field}[${k}]`, `entry is not finite (${a[k]})`);
  }
}

/** Largest |a_ij − a_ji| allowed, relative to the largest |entry|; beyond it the input is a mistake, not rounding. */
const SYMMETRY_TOLERANCE = 1e-10;

function checkSymmetric(a: Float64Array, n: number, field: string): void {
  let scale = 0;
  for (let k = 0; k < a.length; k++) scale = Math.max(scale, Math.abs(a[k]!));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a[i * n + j]! - a[j * n + i]!) > SYMMETRY_TOLERANCE * scale) {
        throw invalid(`${field}[${i * n + j}]`, `matrix is not symmetric: entry (${i},${j}) = ${a[i * n + j]} but (${j},${i}) = ${a[j * n + i]}`);
      }
    }
  }
}

export interface NearestCorrelationOptions {
  /** Stop when ‖Y_k − Y_{k−1}‖_F / ‖Y_k‖_F < tol (var-es.md §7). Default 1e-12. */
  readonly tolerance?: number;
  /** Default 10 000; reported through `converged` when hit. */
  readonly maxIterations?: number;
  readonly field?: string;
}

export interface NearestCorrelationResult {
  /** Nearest correlation matrix in the Frobenius norm, `n × n` row-major, exactly unit diagonal and symmetric. */
  readonly matrix: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Projection onto the PSD cone: V·max(Λ, 0)·Vᵀ from a symmetric eigendecomposition (ml-matrix). */
function projectPsd(r: Float64Array, n: number, out: Float64Array): void {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m.set(i, j, 0.5 * (r[i * n + j]! + r[j * n + i]!));
  }
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  out.fill(0);
  for (let k = 0; k < n; k++) {
    const lambda = values[k]!;
    if (!(lambda > 0)) continue;
    for (let i = 0; i < n; i++) {
      const vi = lambda * vectors.get(i, k);
      if (vi === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += vi * vectors.get(j, k);
    }
  }
  // Symmetrise exactly: the sum above is symmetric only up to rounding.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (out[i * n + j]! + out[j * n + i]!);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
}

/**
 * Higham (2002) nearest correlation matrix by alternating projections with Dykstra's correction, var-es.md §7:
 * ΔS = 0, Y = A; repeat R = Y − ΔS, X = P_S(R), ΔS = X − R, Y = P_U(X) (unit diagonal) until the relative change of Y
 * is below `tolerance`. The published example [[1,1,0],[1,1,1],[0,1,1]] gives 0.7607 / 0.1573. Off the hot path: one
 * eigendecomposition per iteration. The result may have eigenvalues of order −tolerance; `cholesky` tolerates that.
 */
export function nearestCorrelation(a: Float64Array, n: number, options: NearestCorrelationOptions = {}): NearestCorrelationResult {
  const field = options.field ?? 'correlation';
  const tolerance = options.tolerance ?? 1e-12;
  const maxIterations = options.maxIterations ?? 10_000;
  checkSquare(a, n, field);
  checkSymmetric(a, n, field);
  const size = n * n;
  const y = new Float64Array(a);
  for (let i = 0; i < n; i++) y[i * n + i] = 1;
  const deltaS = new Float64Array(size);
  const r = new Float64Array(size);
  const x = new Float64Array(size);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    for (let k = 0; k < size; k++) r[k] = y[k]! - deltaS[k]!;
    projectPsd(r, n, x);
    for (let k = 0; k < size; k++) deltaS[k] = x[k]! - r[k]!;
    let change = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const k = i * n + j;
        const next = i === j ? 1 : x[k]!;
        change += (next - y[k]!) ** 2;
        norm += next * next;
        y[k] = next;
      }
    }
    if (Math.sqrt(change) < tolerance * Math.sqrt(norm)) {
      converged = true;
      break;
    }
  }
  return { matrix: y, iterations, converged };
}

/** Smallest eigenvalue of a symmetric `n × n` matrix (ml-matrix; off the hot path, for checks and tests). */
export function minEigenvalue(a: Float64Array, n: number): number {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]!);
  return Math.min(...new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues);
}

/** Relative pivot tolerance of the semi-definite Cholesky: pivots below this × the largest diagonal count as zero. */
const PIVOT_TOLERANCE = 1e-10;

/**
 * Kernel: lower-triangular L with L·Lᵀ = A for a symmetric positive semi-definite `n × n` A (row-major), into `out`
 * (n × n, upper triangle zeroed). Semi-definite on purpose: perfectly correlated underlyings (ρ = 1) and Higham's
 * output are singular, so a pivot within PIVOT_TOLERANCE of zero gives a zero column instead of a failure, provided
 * the rest of that column is also ≈ 0 (as PSD requires). Returns −1 on success, else the index of the row whose pivot
 * shows A is not PSD. No allocation.
 */
export function choleskyInto(a: Float64Array, n: number, out: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  const pivotTol = PIVOT_TOLERANCE * scale;
  // For a PSD matrix with pivot p_j ≈ 0, |remaining off-diagonal| ≤ √(p_j · p_i) ≤ √(pivotTol · scale).
  const offTol = Math.sqrt(pivotTol * scale) * 10;
  out.fill(0);
  for (let j = 0; j < n; j++) {
    let pivot = a[j * n + j]!;
    for (let k = 0; k < j; k++) pivot -= out[j * n + k]! * out[j * n + k]!;
    if (pivot > pivotTol) {
      const ljj = Math.sqrt(pivot);
      out[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = a[i * n + j]!;
        for (let k = 0; k < j; k++) s -= out[i * n + k]! * out[j * n + k]!;
        out[i * n + j] = s / ljj;
      }
    } else if (pivot >= -pivotTol) {
      for (let i = j + 1; i < n; i++) {
        let s = a[i * n + j]!;
        for (let k = 0; k < j; k++) s -= out[i * n + k]! * out[j * n + k]!;
        if (Math.abs(s) > offTol) return j;
      }
    } else {
      return j;
    }
  }
  return -1;
}

export interface CholeskyOptions {
  /** Repair a non-PSD input with Higham's nearest correlation (keeping the variances). Default true. */
  readonly repair?: boolean;
  /** Field named in errors. Default "covariance". */
  readonly field?: string;
  readonly nearestCorrelation?: NearestCorrelationOptions;
}

export interface CholeskyResult {
  /** Lower-triangular factor L (n × n row-major) with L·Lᵀ = `matrix`. */
  readonly factor: Float64Array;
  /** The matrix actually factorised: the input, or its Higham repair. */
  readonly matrix: Float64Array;
  /** true when the input was not PSD and was replaced by its repair. */
  readonly repaired: boolean;
}

/**
 * Cholesky factor of a covariance (or correlation) matrix, repairing it when it is not PSD (var-es.md §5: "C =
 * chol(Σ_repaired) (Higham §7 first if Σ came from overrides)"). Repair works on the correlation: Σ = D R D with
 * D = diag(σ), R → nearestCorrelation(R), Σ' = D R' D, so variances are kept and only the dependence moves. Inputs that
 * no repair can fix (wrong size, non-finite, asymmetric, negative variance, a zero variance with non-zero covariances)
 * are MODEL_PARAMS_INVALID naming the field.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): CholeskyResult {
  const field = options.field ?? 'covariance';
  checkSquare(a, n, field);
  checkSymmetric(a, n, field);
  for (let i = 0; i < n; i++) {
    if (a[i * n + i]! < 0) throw invalid(`${field}[${i * n + i}]`, `variance of asset ${i} is negative (${a[i * n + i]})`);
  }
  const factor = new Float64Array(n * n);
  const failedAt = choleskyInto(a, n, factor);
  if (failedAt < 0) return { factor, matrix: new Float64Array(a), repaired: false };
  if (options.repair === false) {
    throw invalid(field, `matrix is not positive semi-definite (Cholesky fails at row ${failedAt}) and repair is off`);
  }
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) sd[i] = Math.sqrt(a[i * n + i]!);
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) corr[i * n + j] = 1;
      else if (sd[i] === 0 || sd[j] === 0) {
        if (a[i * n + j] !== 0) {
          throw invalid(`${field}[${i * n + j}]`, `covariance with a zero-variance asset must be 0, got ${a[i * n + j]}`);
        }
      } else corr[i * n + j] = a[i * n + j]! / (sd[i]! * sd[j]!);
    }
  }
  const near = nearestCorrelation(corr, n, { ...options.nearestCorrelation, field });
  const repairedMatrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) repairedMatrix[i * n + j] = near.matrix[i * n + j]! * sd[i]! * sd[j]!;
  const failedAgain = choleskyInto(repairedMatrix, n, factor);
  if (failedAgain >= 0) {
    throw invalid(field, `matrix is not positive semi-definite and the Higham repair did not converge (${near.iterations} iterations)`);
  }
  return { factor, matrix: repairedMatrix, repaired: true };
}
