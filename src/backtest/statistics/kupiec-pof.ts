import { chiSquarePValue } from './chi-square-p-value.js';
import { checkInteger, checkProbability } from './check-arguments.js';

/**
 * Kupiec's proportion-of-failures test (backtesting.md §2): is the exception count x in T days consistent with the
 * exception probability p = 1 − coverage?
 *
 *   LR_pof = −2 ln[ (1−p)^{T−x} p^x / ((1−x/T)^{T−x} (x/T)^x) ]  ~ χ²(1)
 *
 * written as 2[(T−x)·ln((1−x/T)/(1−p)) + x·ln((x/T)/p)] with 0·ln 0 = 0, which gives the §2 edges without special
 * cases: x = 0 → −2T ln(1−p), x = T → −2T ln p (so a model with no exceptions at all is rejected as "too good"
 * once T is large enough). The p-value is asymptotic (§ preamble: exact finite-sample p-values differ for small x).
 *
 * Vector (MathWorks `pof`): T = 1043, x = 57, p = 0.05 → 0.46147, p-value 0.49694.
 */
export interface LikelihoodRatioTest {
  readonly statistic: number;
  /** Asymptotic χ² p-value. */
  readonly pValue: number;
}

/** LR_pof alone (no argument checks): the kernel shared by the test and the non-rejection region. */
function pofStatistic(T: number, x: number, p: number): number {
  const logNoFail = x === T ? 0 : (T - x) * (Math.log1p(-x / T) - Math.log1p(-p));
  const logFail = x === 0 ? 0 : x * (Math.log(x / T) - Math.log(p));
  // The LR is ≥ 0 mathematically; rounding can leave −1e-16 when x/T = p exactly.
  return Math.max(0, 2 * (logNoFail + logFail));
}

/** Kupiec POF for `exceptions` out of `observations` days at exception probability `p`. */
export function kupiecPof(observations: number, exceptions: number, p: number): LikelihoodRatioTest {
  checkInteger('observations', observations, 1);
  checkInteger('exceptions', exceptions, 0, observations);
  checkProbability('p', p);
  const statistic = pofStatistic(observations, exceptions, p);
  return { statistic, pValue: chiSquarePValue(statistic, 1) };
}

/** Inclusive range of exception counts the POF test does not reject. */
export interface NonRejectionRegion {
  readonly min: number;
  readonly max: number;
}

/**
 * All x with LR_pof(T, x, p) < χ²₁(level) (§2: computed, never copied from a printed table). The comparison is made
 * on p-values, P(χ²₁ ≥ LR) > 1 − level, which is the same set (the survival function is strictly decreasing) and
 * needs no χ² quantile. LR_pof is decreasing in x below T·p and increasing above (its derivative in x is
 * 2·ln[(x/T)/(1−x/T) · (1−p)/p]), so the set is an interval around T·p, found by walking out from there. It is
 * never empty for usual T, but can be (tiny T, extreme p): then the result is undefined.
 */
export function pofNonRejectionRegion(observations: number, p: number, level: number): NonRejectionRegion | undefined {
  checkInteger('observations', observations, 1);
  checkProbability('p', p);
  checkProbability('level', level);
  const accepted = (x: number): boolean => chiSquarePValue(pofStatistic(observations, x, p), 1) > 1 - level;
  // The minimum of LR over integers is at ⌊Tp⌋ or ⌈Tp⌉.
  const lo = Math.min(observations, Math.floor(observations * p));
  const hi = Math.min(observations, lo + 1);
  const start = pofStatistic(observations, lo, p) <= pofStatistic(observations, hi, p) ? lo : hi;
  if (!accepted(start)) return undefined;
  let min = start;
  while (min > 0 && accepted(min - 1)) min--;
  let max = start;
  while (max < observations && accepted(max + 1)) max++;
  return { min, max };
}
