/** Bounds of the search for the largest feasible quantity. */
export interface LargestFeasibleOptions {
  /** A quantity known to be feasible (default 0). */
  readonly lo?: number;
  /** First step of the bracketing above `lo`, in quantity units (default max(1, |lo|)). */
  readonly firstStep?: number;
  /** Stop when hi − lo ≤ relativePrecision × max(1, hi) (default 1e-9). */
  readonly relativePrecision?: number;
  /** At most this many doublings while bracketing (default 80: 2^80 × step, beyond any real order). */
  readonly maxDoublings?: number;
  /** At most this many bisection steps (default 200). */
  readonly maxBisections?: number;
}

export interface LargestFeasibleResult {
  /** Largest quantity found feasible (≥ lo). */
  readonly quantity: number;
  /** Smallest quantity found infeasible, undefined when bracketing never found one (`unbounded`). */
  readonly infeasibleAbove: number | undefined;
  /** True when every bracketing step stayed feasible: the order size is limited by the search, not the margin. */
  readonly unbounded: boolean;
  /** Feasibility checks made. */
  readonly evaluations: number;
}

/**
 * Largest q ≥ lo with feasible(q), assuming feasibility is monotone above lo (feasible up to some q*, infeasible
 * beyond). Brackets by doubling the step above lo until infeasible, then bisects the bracket; the answer is always a
 * quantity that was checked feasible, within the relative precision of the boundary. Bounded in evaluations.
 */
export function largestFeasible(feasible: (q: number) => boolean, options: LargestFeasibleOptions = {}): LargestFeasibleResult {
  const relative = options.relativePrecision ?? 1e-9;
  const maxDoublings = options.maxDoublings ?? 80;
  const maxBisections = options.maxBisections ?? 200;
  let lo = options.lo ?? 0;
  let step = options.firstStep ?? Math.max(1, Math.abs(lo));
  let evaluations = 0;
  let hi: number | undefined;
  for (let i = 0; i < maxDoublings; i++) {
    const q = lo + step;
    evaluations++;
    if (!feasible(q)) {
      hi = q;
      break;
    }
    lo = q;
    step *= 2;
  }
  if (hi === undefined) return { quantity: lo, infeasibleAbove: undefined, unbounded: true, evaluations };
  return bisect(feasible, lo, hi, relative, maxBisections, evaluations);
}

/** Bisects [lo feasible, hi infeasible] down to the relative precision. */
function bisect(feasible: (q: number) => boolean, lo: number, hi: number, relative: number, maxBisections: number, evaluations: number): LargestFeasibleResult {
  for (let i = 0; i < maxBisections && hi - lo > relative * Math.max(1, hi); i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break; // the bracket is down to adjacent doubles
    evaluations++;
    if (feasible(mid)) lo = mid;
    else hi = mid;
  }
  return { quantity: lo, infeasibleAbove: hi, unbounded: false, evaluations };
}
