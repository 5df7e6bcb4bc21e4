import { mulberry32 } from '../core/seeded-random.js';
import type { BookRevaluator } from './book-revaluator.js';
import { mahalanobisDistance, reverseStressAlong, type ReverseStressPoint } from './reverse-stress.js';

/** Central-difference step for the P&L gradient, in log-move units (0.01 % price move). */
export const GRADIENT_STEP = 1e-4;
export const MAX_ITERATIONS = 200;
/** Optimality: ‖v − w‖ in standard space (unit vectors) below this. */
export const ANGLE_TOLERANCE = 1e-6;
/** Convergence: the last step shortened the distance by less than this fraction of (1 + distance). */
export const STEP_TOLERANCE = 1e-7;
/** Seeded random start directions (DESIGN.md "Determinism"), and how many of the closest starts are descended from. */
export const RANDOM_STARTS = 16;
export const RANDOM_START_SEED = 20_261_121;
export const DESCENT_STARTS = 3;

/** Standard normal draw by Box–Muller from a uniform generator on [0, 1). */
function standardNormal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface MahalanobisPoint extends ReverseStressPoint {
  /** √(xᵀΣ⁻¹x), in horizon standard deviations. */
  readonly distance: number;
  /** Iterations of the start that gave the answer; converged = the optimality condition held at the end. */
  readonly iterations: number;
  readonly converged: boolean;
}

function gradient(revaluator: BookRevaluator, x: Float64Array, points: Float64Array, values: Float64Array, out: Float64Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let side = 0; side < 2; side++) {
      const row = (2 * i + side) * n;
      for (let u = 0; u < n; u++) points[row + u] = x[u] as number;
      points[row + i] = (x[i] as number) + (side === 0 ? GRADIENT_STEP : -GRADIENT_STEP);
    }
  }
  revaluator.evaluate(points, 2 * n, values);
  for (let i = 0; i < n; i++) out[i] = ((values[2 * i] as number) - (values[2 * i + 1] as number)) / (2 * GRADIENT_STEP);
}

/**
 * The most likely equity-exhausting move under Σ (covariance of horizon log returns, n × n row-major; L its lower
 * Cholesky factor): minimise xᵀΣ⁻¹x subject to G(x) = P&L(x) + E = 0 (docs/stress-testing.md "Reverse stress").
 *
 * In standard space z = L⁻¹x the answer is the boundary point nearest the origin, where z is parallel to −∇_z G =
 * −Lᵀg (g = ∇_x P&L, central differences of the full revaluation) — the FORM design point (Hasofer & Lind 1974).
 * Plain HL-RF iteration zig-zags on the strongly curved boundaries that collateral and options give, so this is a
 * monotone variant: every iterate lies exactly on the boundary (found by the ray root-find, reverseStressAlong, so
 * the answer exhausts equity to ROOT_TOLERANCE), and each step turns the ray from the current direction w = x/‖x‖_Σ
 * towards the HL-RF direction v = −Σg/‖Lᵀg‖, halving the turn until the boundary distance falls. It stops when v and
 * w agree (the optimality condition) or no turn shortens the distance. Several start rays (see below) guard against
 * a poor local answer; the closest boundary point wins. The search is a local method: on a very non-convex book the
 * global minimum is not guaranteed, and `converged` reports only local optimality.
 */
export function reverseStressMahalanobis(revaluator: BookRevaluator, equity: number, covariance: Float64Array, factor: Float64Array): MahalanobisPoint {
  const n = revaluator.underlyings.length;
  const zero = new Float64Array(n);
  const none: MahalanobisPoint = { reachable: false, logMoves: zero, pnl: revaluator.pnlAt(zero), scale: 0, distance: Infinity, iterations: 0, converged: false };
  if (equity <= 0) return { ...none, reachable: true, distance: 0, converged: true };
  const points = new Float64Array(2 * n * n);
  const values = new Float64Array(2 * n);
  const g = new Float64Array(n);
  const sg = new Float64Array(n);
  const sigmaGradient = (x: Float64Array): number => {
    gradient(revaluator, x, points, values, g);
    let gsg = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (covariance[i * n + j] as number) * (g[j] as number);
      sg[i] = s;
      gsg += (g[i] as number) * s;
    }
    return Math.sqrt(gsg); // ‖Lᵀg‖
  };
  const solveFrom = (direction: Float64Array): MahalanobisPoint => {
    let p = reverseStressAlong(revaluator, equity, direction);
    if (!p.reachable) return none;
    let beta = mahalanobisDistance(p.logMoves, factor, n);
    let iterations = 0;
    let converged = false;
    for (; iterations < MAX_ITERATIONS && beta > 0; iterations++) {
      const norm = sigmaGradient(p.logMoves);
      if (!(norm > 0)) break;
      const w = p.logMoves.map((v) => v / beta);
      const v = sg.map((s) => -s / norm);
      const gap = mahalanobisDistance(v.map((vi, i) => vi - (w[i] as number)), factor, n);
      if (gap <= ANGLE_TOLERANCE) {
        converged = true;
        break;
      }
      let accepted: ReverseStressPoint | undefined;
      let acceptedBeta = beta;
      for (let lambda = 1, k = 0; k < 30; k++, lambda /= 2) {
        const q = reverseStressAlong(revaluator, equity, w.map((wi, i) => wi + lambda * ((v[i] as number) - wi)));
        const qb = q.reachable ? mahalanobisDistance(q.logMoves, factor, n) : Infinity;
        if (qb < beta) {
          accepted = q;
          acceptedBeta = qb;
          break;
        }
      }
      if (accepted === undefined) {
        converged = gap <= 1e-3; // no shorter ray within 2⁻³⁰ of a turn: stationary up to finite-difference noise
        break;
      }
      const gain = beta - acceptedBeta;
      p = accepted;
      beta = acceptedBeta;
      if (gain <= STEP_TOLERANCE * (1 + beta)) {
        converged = true;
        iterations++;
        break;
      }
    }
    return { ...p, distance: beta, iterations, converged };
  };
  sigmaGradient(zero);
  // Start rays: the linearised answer −Σg, the adverse gradient −g, ± each underlying alone, and seeded random
  // directions in standard space (x = Lz): a bounded loss (a long option, collateral) can make the linearised ray
  // miss the boundary altogether. Descent runs from the DESCENT_STARTS closest boundary points found.
  const starts: Float64Array[] = [sg.map((v) => -v), g.map((v) => -v)];
  for (let i = 0; i < n; i++) for (const sign of [1, -1]) starts.push(Float64Array.from({ length: n }, (_, j) => (i === j ? sign : 0)));
  const random = mulberry32(RANDOM_START_SEED);
  for (let k = 0; k < RANDOM_STARTS; k++) {
    const z = Float64Array.from({ length: n }, () => standardNormal(random));
    starts.push(Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j <= i; j++) s += (factor[i * n + j] as number) * (z[j] as number);
      return s;
    }));
  }
  const seeds = starts
    .map((d) => ({ d, p: reverseStressAlong(revaluator, equity, d) }))
    .filter((c) => c.p.reachable)
    .map((c) => ({ d: c.d, beta: mahalanobisDistance(c.p.logMoves, factor, n) }))
    .sort((a, b) => a.beta - b.beta)
    .slice(0, DESCENT_STARTS);
  const candidates = seeds.map((c) => solveFrom(c.d)).filter((c) => c.reachable);
  return candidates.reduce<MahalanobisPoint | undefined>((b, c) => (b === undefined || c.distance < b.distance ? c : b), undefined) ?? none;
}
