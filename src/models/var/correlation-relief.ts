import { mulberry32 } from '../../core/seeded-random.js';
import { tailMass } from '../../core/tail-count.js';
import { tailMeasures, tailMeasuresScratchLength } from '../../risk/tail-measures.js';

/**
 * Intermarket margin relief by correlation (docs/models/var-family.md "Correlation relief"). Each class (asset class or
 * market) is margined on its own; the joint margin of the whole account is lower by the diversification benefit
 * B = Σ standalone − joint. Relief is granted only if B is statistically significant over the lookback:
 *
 *   bootstrap: resample the N scenario days with replacement (seeded), recompute every standalone margin and the
 *   joint margin on the same resample, B_b = Σ standalone_b − joint_b, b = 1..R; the one-sided lower confidence
 *   bound at `level` is the (1 − level) quantile of B_b. Relief requires that bound > 0, i.e. the benefit
 *   excludes zero at `level`; p = share of resamples with B_b ≤ 0.
 *
 * and it is capped: relief = cap × B (EMIR RTS 153/2013 Art 27(4): at most 80 % of the benefit). Margin =
 * Σ standalone − relief, so relief never raises margin and never exceeds its cap.
 */
export interface ReliefOutcome {
  readonly standalone: readonly { readonly group: string; readonly margin: number }[];
  readonly joint: number;
  readonly benefit: number;
  readonly lowerBound: number;
  readonly pValue: number;
  readonly level: number;
  readonly significant: boolean;
  readonly cap: number;
  readonly relief: number;
  readonly margin: number;
}

export interface ReliefSettings {
  readonly level: number;
  readonly cap: number;
  readonly bootstrap: number;
  readonly seed: number;
}

/** A risk measure of one P&L row; `scratch` should have tailMeasuresScratchLength(n) entries (else one is allocated). */
type Measure = (pnl: Float64Array, offset: number, n: number, scratch: Float64Array) => number;

/** VaR or ES at α, floored at 0, through the one-pass tail kernel (risk/tail-measures.ts). */
export function measureFor(kind: 'var' | 'es', alpha: number): Measure {
  const slot = kind === 'var' ? 1 : 2; // tailMeasures writes [worst, VaR, ES]
  const out = new Float64Array(3);
  return (p, o, n, s) => {
    const needed = tailMeasuresScratchLength(n);
    tailMeasures(p, o, n, alpha, alpha, s.length >= needed ? s : new Float64Array(needed), out, 0);
    return Math.max(0, out[slot]!);
  };
}

/** `classPnl[c * n + s]` per class, `jointPnl[s]` = their sum; `names[c]` labels the classes. */
export function correlationRelief(classPnl: Float64Array, jointPnl: Float64Array, names: readonly string[], n: number, measure: Measure, settings: ReliefSettings): ReliefOutcome {
  const classes = names.length;
  const scratch = new Float64Array(tailMeasuresScratchLength(n));
  const standalone = names.map((group, c) => ({ group, margin: measure(classPnl, c * n, n, scratch) }));
  const sum = standalone.reduce((a, x) => a + x.margin, 0);
  const joint = measure(jointPnl, 0, n, scratch);
  const benefit = Math.max(0, sum - joint);

  const next = mulberry32(settings.seed);
  const draw = new Int32Array(n);
  const sample = new Float64Array(n);
  const benefits = new Float64Array(settings.bootstrap);
  let nonPositive = 0;
  for (let b = 0; b < settings.bootstrap; b++) {
    for (let s = 0; s < n; s++) draw[s] = Math.floor(next() * n);
    let standaloneSum = 0;
    for (let c = 0; c < classes; c++) {
      for (let s = 0; s < n; s++) sample[s] = classPnl[c * n + draw[s]!]!;
      standaloneSum += measure(sample, 0, n, scratch);
    }
    for (let s = 0; s < n; s++) sample[s] = jointPnl[draw[s]!]!;
    benefits[b] = standaloneSum - measure(sample, 0, n, scratch);
    if (benefits[b]! <= 0) nonPositive++;
  }
  benefits.sort();
  // Rank from integer arithmetic: (1 − 0.9)·500 is 49.999999999999986 in doubles (the drift tail-count.ts avoids).
  const rank = Math.floor(tailMass(settings.level, settings.bootstrap));
  const lowerBound = benefits[Math.min(settings.bootstrap - 1, rank)] ?? 0;
  const significant = classes > 1 && benefit > 0 && lowerBound > 0;
  const cap = settings.cap * benefit;
  const relief = significant ? cap : 0;
  return {
    standalone,
    joint,
    benefit,
    lowerBound,
    pValue: nonPositive / settings.bootstrap,
    level: settings.level,
    significant,
    cap,
    relief,
    margin: sum - relief,
  };
}
