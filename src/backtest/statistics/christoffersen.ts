import { CrossmarginError } from '../../core/errors.js';
import { chiSquarePValue } from './chi-square-p-value.js';
import { checkIndicators, checkInteger, checkProbability } from './check-arguments.js';
import { kupiecPof, type LikelihoodRatioTest } from './kupiec-pof.js';
import { xLogY } from './x-log-y.js';

/**
 * Christoffersen (1998) independence and conditional-coverage tests (backtesting.md §4). Exceptions that cluster
 * (a 1 is more likely after a 1) mean the model reacts too slowly; the first-order Markov alternative captures it.
 *
 *   n_ij = # consecutive pairs (I_{t−1}, I_t) = (i, j) over the T − 1 pairs
 *   π01 = n01/(n00+n01), π11 = n11/(n10+n11), π = (n01+n11)/(T−1)      (an empty row's π is 0: its terms vanish)
 *   LR_ind = −2 ln[ (1−π)^{n00+n10} π^{n01+n11} / ((1−π01)^{n00} π01^{n01} (1−π11)^{n10} π11^{n11}) ]  ~ χ²(1)
 *   LR_cc  = LR_pof (all T days) + LR_ind  ~ χ²(2)
 *
 * With 0·ln 0 = 0 the §4 edge cases come out as LR_ind = 0 on their own: no exceptions (π = π01 = π11 = 0), one
 * exception on day 1 (only n10 = 1: π = π01 = 0) or on day T (only n01 = 1: π01 = π).
 *
 * Vector (MathWorks `cc`/`cci`): n00 = 932, n10 = 53, n01 = 53, n11 = 4 (T = 1043, x = 57, p = 0.05) →
 * LR_ind 0.25866 (p 0.61104), LR_cc 0.72013 (p 0.69763).
 */
export interface TransitionCounts {
  readonly n00: number;
  readonly n01: number;
  readonly n10: number;
  readonly n11: number;
}

export interface ChristoffersenResult {
  readonly counts: TransitionCounts;
  /** LR_ind ~ χ²(1). */
  readonly independence: LikelihoodRatioTest;
  /** LR_cc = LR_pof + LR_ind ~ χ²(2). */
  readonly conditionalCoverage: LikelihoodRatioTest;
}

/** Counts of the T − 1 consecutive pairs of a 0/1 series. */
export function transitionCounts(indicators: Uint8Array): TransitionCounts {
  checkIndicators('indicators', indicators);
  const n = [0, 0, 0, 0];
  for (let t = 1; t < indicators.length; t++) n[indicators[t - 1]! * 2 + indicators[t]!]!++;
  return { n00: n[0]!, n01: n[1]!, n10: n[2]!, n11: n[3]! };
}

/** LR_ind from transition counts alone (it does not depend on p or on the first day). */
export function christoffersenIndependenceFromCounts(counts: TransitionCounts): LikelihoodRatioTest {
  const { n00, n01, n10, n11 } = counts;
  for (const [name, v] of Object.entries(counts)) checkInteger(`counts.${name}`, v as number, 0);
  const pairs = n00 + n01 + n10 + n11;
  if (pairs === 0) return { statistic: 0, pValue: 1 };
  const pi = (n01 + n11) / pairs;
  const pi01 = n00 + n01 === 0 ? 0 : n01 / (n00 + n01);
  const pi11 = n10 + n11 === 0 ? 0 : n11 / (n10 + n11);
  const logNull = xLogY(n00 + n10, 1 - pi) + xLogY(n01 + n11, pi);
  const logAlt = xLogY(n00, 1 - pi01) + xLogY(n01, pi01) + xLogY(n10, 1 - pi11) + xLogY(n11, pi11);
  // ≥ 0 mathematically (the alternative nests the null); clamp the rounding residue.
  const statistic = Math.max(0, -2 * (logNull - logAlt));
  return { statistic, pValue: chiSquarePValue(statistic, 1) };
}

/**
 * Both tests from counts plus the total exception count x (the counts alone do not fix x: it is n01 + n11 plus the
 * first day's indicator). T is n00 + n01 + n10 + n11 + 1.
 */
export function christoffersenFromCounts(counts: TransitionCounts, exceptions: number, p: number): ChristoffersenResult {
  const independence = christoffersenIndependenceFromCounts(counts);
  const T = counts.n00 + counts.n01 + counts.n10 + counts.n11 + 1;
  const ones = counts.n01 + counts.n11;
  if (!(exceptions === ones || exceptions === ones + 1) || exceptions > T) {
    throw new CrossmarginError('USAGE_INVALID', `exceptions: ${exceptions} is inconsistent with the transition counts (n01 + n11 = ${ones}, so x is ${ones} or ${ones + 1})`, {
      field: 'exceptions',
    });
  }
  const pof = kupiecPof(T, exceptions, p);
  const statistic = pof.statistic + independence.statistic;
  return { counts, independence, conditionalCoverage: { statistic, pValue: chiSquarePValue(statistic, 2) } };
}

/** Both tests on a 0/1 exception series at exception probability p. */
export function christoffersen(indicators: Uint8Array, p: number): ChristoffersenResult {
  checkProbability('p', p);
  const counts = transitionCounts(indicators);
  let exceptions = 0;
  for (let t = 0; t < indicators.length; t++) exceptions += indicators[t]!;
  return christoffersenFromCounts(counts, exceptions, p);
}
