import { CrossmarginError } from '../../core/errors.js';
import { counterChiSquare, fillCounterNormals, NORMAL_STREAM } from './counter-rng.js';
import { factorDrawInto } from './factor-model.js';

/**
 * Everything a thread needs to generate any range of Monte Carlo paths (methods/var-es.md §5). Plain data and typed
 * arrays only, so it crosses to a worker thread by structured clone unchanged.
 */
export interface MonteCarloPlan {
  /** Number of underlyings. */
  readonly n: number;
  /** Total number of paths = scenarios; the output stride (`priceMove[u * paths + s]`). */
  readonly paths: number;
  /** Non-negative safe integer; with the path index and draw index it fixes every random number. */
  readonly seed: number;
  /** Student-t degrees of freedom (> 2), or 0 for normal draws. */
  readonly nu: number;
  /** 'cholesky': x = C·ε with C = `lower`; 'factor': x_i = a_i z_F + b_i z_i with the loadings below. */
  readonly mode: 'cholesky' | 'factor';
  /** n × n lower-triangular C = √h · diag(vol) · chol(correlation), row-major (cholesky mode; empty otherwise). */
  readonly lower: Float64Array;
  /** √h-scaled factor and residual loadings (factor mode; empty otherwise). */
  readonly factorLoading: Float64Array;
  readonly residualLoading: Float64Array;
  /** True: x is a log return and the move is e^x − 1 (default); false: x is the simple return itself (the
   * delta-normal model of var-es.md §4, so a linear book's MC ES converges to the parametric ES). */
  readonly logReturns: boolean;
}

/** Scratch length the kernel needs: n (+1 for the factor normal) normals. */
export function monteCarloScratchLength(plan: MonteCarloPlan): number {
  return plan.n + 1;
}

/**
 * Kernel: fills `priceMove[u * plan.paths + s]` for paths s in [start, end) and every underlying u.
 *
 * Per path s: ε = the first n (factor mode: n + 1) counter normals of (seed, s); Student-t: every ε of the path is
 * multiplied by the same w = √((ν−2)/χ²_ν), χ²_ν drawn from (seed, s) too, which makes x multivariate t with unit-
 * variance marginals (a t copula with t marginals: joint tail crashes, as crypto shows); x = C·ε (or the factor
 * form); price move = e^x − 1 (x is a log return, so prices stay positive; no −σ²/2 drift, the median move is 0,
 * consistent with μ = 0 in the parametric methods). expm1 keeps small moves exact to the last bit.
 *
 * Each path depends on s only, never on the range, so any split into ranges gives bit-identical output. No
 * allocation; `scratch` length ≥ monteCarloScratchLength(plan).
 */
export function monteCarloKernel(plan: MonteCarloPlan, start: number, end: number, priceMove: Float64Array, scratch: Float64Array): void {
  const { n, paths, seed, nu, lower } = plan;
  const factorMode = plan.mode === 'factor';
  const draws = factorMode ? n + 1 : n;
  for (let s = start; s < end; s++) {
    fillCounterNormals(seed, s, NORMAL_STREAM, scratch, 0, draws);
    let w = 1;
    if (nu > 0) {
      const chi2 = counterChiSquare(seed, s, nu);
      if (!(chi2 > 0)) throw new CrossmarginError('INTERNAL', `Monte Carlo: χ² draw failed for path ${s + 1} (ν = ${nu})`);
      w = Math.sqrt((nu - 2) / chi2);
    }
    if (factorMode) {
      // Writes the unscaled log returns straight into the output column, then transforms in place.
      factorDrawInto(scratch, 0, plan, n, priceMove, s, paths);
      for (let i = 0; i < n; i++) {
        const k = i * paths + s;
        priceMove[k] = plan.logReturns ? Math.expm1(w * priceMove[k]!) : w * priceMove[k]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        let x = 0;
        const row = i * n;
        for (let j = 0; j <= i; j++) x += lower[row + j]! * scratch[j]!;
        priceMove[i * paths + s] = plan.logReturns ? Math.expm1(w * x) : w * x;
      }
    }
  }
}
