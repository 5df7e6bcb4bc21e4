import { MAX_LOG_MOVE, type BookRevaluator } from './book-revaluator.js';

/*
 * Reverse stress tests (docs/stress-testing.md "Reverse stress"): the smallest joint move of the underlyings that
 * exhausts an account's equity E, i.e. reaches P&L(x) = −E, where x is the vector of log moves ln(P₁/P₀) and P&L is
 * a full revaluation of the book (collateral included) in the account currency. Vols and time stay as today.
 */

/** A point on the boundary P&L(x) = −E, or why none was found. */
export interface ReverseStressPoint {
  readonly reachable: boolean;
  /** Log moves per underlying (revaluator order); zeros when unreachable. */
  readonly logMoves: Float64Array;
  /** P&L at the point, account currency (≈ −equity when reachable). */
  readonly pnl: number;
  /** Scale along the direction: the largest |log move| of the point. */
  readonly scale: number;
}

/** Grid points scanned along a ray before bisection: the first crossing of −E is bracketed between two of them. */
export const RAY_GRID = 256;
/** Residual |P&L + E| the root-finds stop at, relative to max(1, E). */
export const ROOT_TOLERANCE = 1e-10;

/**
 * Smallest t ≥ 0 with P&L(t·d) = −E along direction d (any scale; normalised so max |d_u| = 1, making t the largest
 * absolute log move). The ray t ∈ [0, MAX_LOG_MOVE] is scanned on RAY_GRID points in one batch (so the first
 * crossing is found even when P&L is not monotone, as for a long straddle), then bisected to ROOT_TOLERANCE.
 * Unreachable when P&L stays above −E on the whole ray (a fully collateralised book, or d = 0).
 */
export function reverseStressAlong(revaluator: BookRevaluator, equity: number, direction: Float64Array): ReverseStressPoint {
  const n = revaluator.underlyings.length;
  let norm = 0;
  for (let u = 0; u < n; u++) norm = Math.max(norm, Math.abs(direction[u] as number));
  const zero = new Float64Array(n);
  if (equity <= 0) return { reachable: true, logMoves: zero, pnl: revaluator.pnlAt(zero), scale: 0 };
  if (norm === 0) return { reachable: false, logMoves: zero, pnl: revaluator.pnlAt(zero), scale: 0 };
  const d = direction.map((v) => v / norm);
  const grid = new Float64Array(RAY_GRID * n);
  for (let k = 0; k < RAY_GRID; k++) for (let u = 0; u < n; u++) grid[k * n + u] = (((k + 1) * MAX_LOG_MOVE) / RAY_GRID) * (d[u] as number);
  const pnl = new Float64Array(RAY_GRID);
  revaluator.evaluate(grid, RAY_GRID, pnl);
  const first = pnl.findIndex((p) => p + equity <= 0);
  if (first < 0) return { reachable: false, logMoves: zero, pnl: revaluator.pnlAt(zero), scale: 0 };
  let lo = (first * MAX_LOG_MOVE) / RAY_GRID;
  let hi = ((first + 1) * MAX_LOG_MOVE) / RAY_GRID;
  const point = new Float64Array(n);
  const at = (t: number): number => {
    for (let u = 0; u < n; u++) point[u] = t * (d[u] as number);
    return revaluator.pnlAt(point) + equity;
  };
  const tolerance = ROOT_TOLERANCE * Math.max(1, equity);
  let t = hi;
  let g = pnl[first]! + equity;
  for (let i = 0; i < 200 && Math.abs(g) > tolerance && hi - lo > 1e-15; i++) {
    t = 0.5 * (lo + hi);
    g = at(t);
    if (g <= 0) hi = t;
    else lo = t;
  }
  // The point returned is on the exhausted side or within tolerance of the boundary.
  if (g > tolerance) {
    t = hi;
    g = at(t);
  }
  return { reachable: true, logMoves: d.map((v) => v * t), pnl: g - equity, scale: t };
}

/**
 * Mahalanobis distance √(xᵀΣ⁻¹x) given the lower Cholesky factor L of Σ (Σ = LLᵀ, n × n row-major): ‖L⁻¹x‖ by
 * forward substitution. Units: horizon standard deviations (Σ is the covariance of horizon log returns). A component
 * outside the span of a singular Σ gives Infinity.
 */
export function mahalanobisDistance(x: Float64Array, factor: Float64Array, n: number): number {
  const z = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let s = x[i] as number;
    for (let k = 0; k < i; k++) s -= (factor[i * n + k] as number) * (z[k] as number);
    const lii = factor[i * n + i] as number;
    if (lii === 0) {
      if (Math.abs(s) > 1e-12) return Infinity;
      z[i] = 0;
    } else {
      z[i] = s / lii;
    }
    sum += (z[i] as number) ** 2;
  }
  return Math.sqrt(sum);
}
