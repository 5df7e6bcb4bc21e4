/**
 * Derivative-free minimisation (Nelder & Mead 1965, standard coefficients: reflection 1, expansion 2, contraction
 * ½, shrink ½). Used for the GARCH likelihood (var-es.md §6), whose parameters are transformed so that every point
 * of ℝ^d is admissible; a non-finite objective is treated as +∞ so the simplex walks away from it.
 */
export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (or one for all). */
  readonly step: number | readonly number[];
  /** Stop after this many objective evaluations (default 4000). */
  readonly maxEvaluations?: number;
  /** Converged when the spread of objective values is at most fTolerance·(1 + |best|) (default 1e-10) ... */
  readonly fTolerance?: number;
  /** ... and no vertex is further than xTolerance from the best in any coordinate (default 1e-7). */
  readonly xTolerance?: number;
}

export interface NelderMeadResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export function minimiseNelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: NelderMeadOptions): NelderMeadResult {
  const d = x0.length;
  const maxEvaluations = options.maxEvaluations ?? 4000;
  const fTolerance = options.fTolerance ?? 1e-10;
  const xTolerance = options.xTolerance ?? 1e-7;
  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const stepOf = (i: number): number => (typeof options.step === 'number' ? options.step : (options.step[i] ?? 0.1));

  const simplex: number[][] = [[...x0]];
  for (let i = 0; i < d; i++) {
    const v = [...x0];
    v[i] = (v[i] as number) + stepOf(i);
    simplex.push(v);
  }
  const values = simplex.map(evaluate);
  const order = (): void => {
    const idx = simplex.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
    const s = idx.map((i) => simplex[i] as number[]);
    const v = idx.map((i) => values[i] as number);
    for (let i = 0; i <= d; i++) {
      simplex[i] = s[i] as number[];
      values[i] = v[i] as number;
    }
  };
  const along = (centroid: number[], worst: number[], t: number): number[] => centroid.map((c, i) => c + t * (c - (worst[i] as number)));

  let iterations = 0;
  let converged = false;
  while (evaluations < maxEvaluations) {
    order();
    const best = simplex[0] as number[];
    const fBest = values[0] as number;
    const fWorst = values[d] as number;
    let size = 0;
    for (let i = 1; i <= d; i++) {
      const v = simplex[i] as number[];
      for (let j = 0; j < d; j++) size = Math.max(size, Math.abs((v[j] as number) - (best[j] as number)));
    }
    if (Math.abs(fWorst - fBest) <= fTolerance * (1 + Math.abs(fBest)) && size <= xTolerance) {
      converged = true;
      break;
    }
    iterations++;
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) {
      const v = simplex[i] as number[];
      for (let j = 0; j < d; j++) centroid[j] = (centroid[j] as number) + (v[j] as number) / d;
    }
    const worst = simplex[d] as number[];
    const reflected = along(centroid, worst, 1);
    const fr = evaluate(reflected);
    if (fr < fBest) {
      const expanded = along(centroid, worst, 2);
      const fe = evaluate(expanded);
      if (fe < fr) {
        simplex[d] = expanded;
        values[d] = fe;
      } else {
        simplex[d] = reflected;
        values[d] = fr;
      }
      continue;
    }
    if (fr < (values[d - 1] as number)) {
      simplex[d] = reflected;
      values[d] = fr;
      continue;
    }
    // Contract towards the better of the worst point and its reflection.
    const outside = fr < fWorst;
    const contracted = along(centroid, worst, outside ? 0.5 : -0.5);
    const fc = evaluate(contracted);
    if (fc < (outside ? fr : fWorst)) {
      simplex[d] = contracted;
      values[d] = fc;
      continue;
    }
    for (let i = 1; i <= d; i++) {
      const v = simplex[i] as number[];
      const shrunk = v.map((x, j) => (best[j] as number) + 0.5 * (x - (best[j] as number)));
      simplex[i] = shrunk;
      values[i] = evaluate(shrunk);
    }
  }
  order();
  return { x: [...(simplex[0] as number[])], value: values[0] as number, evaluations, iterations, converged };
}
