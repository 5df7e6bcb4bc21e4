import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { checkInteger, checkProbability } from './check-arguments.js';

/**
 * Basel traffic light (backtesting.md §5; BCBS 1996 Table 2, Basel Framework MAR99).
 *
 * Zones by the binomial-CDF rule, X ~ Binomial(T, p): yellow from the first x with P(X ≤ x) ≥ 0.95, red from the
 * first x with P(X ≤ x) ≥ 0.9999. For T = 250, p = 0.01 that is green 0–4, yellow 5–9, red ≥ 10 (computed here,
 * checked against the table in the tests). One exception to the literal rule: zero exceptions are always green (for
 * tiny T·p, e.g. T ≤ 5 at 1 %, P(X ≤ 0) ≥ 0.95 already; such a sample says nothing and a clean record is not a
 * warning), so the scan starts at x = 1. The plus factors are the Basel table's (green 0, yellow 0.40 / 0.50 /
 * 0.65 / 0.75 / 0.85 for 5–9, red 1.00); the multiplier is 3 + plus.
 *
 * Other (T, p) (§5 "apply the same rule … (configuration)"): the zones follow the rule above. Basel defines plus
 * factors only for 250 days at 99 %, so elsewhere we match percentiles: a yellow count x takes the plus factor of the
 * largest Basel yellow count (5–9) whose Binomial(250, 0.01) cumulative probability does not exceed P(X ≤ x) under
 * (T, p), and 0.40 if x's is below all of them. This reproduces the table exactly at (250, 0.01), is monotone in x,
 * and keeps the table's meaning ("this many exceptions would be that unlikely under a correct model"). It is our
 * extension, not a regulatory rule.
 *
 * MathWorks' "Increase" heuristic 3·(z_0.99/z_{1−x/250} − 1) is not the Basel table (§5) and is not used.
 */
export type TrafficLightZone = 'green' | 'yellow' | 'red';

export interface TrafficLightResult {
  readonly zone: TrafficLightZone;
  readonly exceptions: number;
  readonly observations: number;
  readonly p: number;
  /** P(X ≤ exceptions), X ~ Binomial(observations, p). */
  readonly cumulativeProbability: number;
  readonly plusFactor: number;
  /** 3 + plusFactor (Basel 1996 / MAR99 market-risk multiplier). */
  readonly multiplier: number;
  /**
   * FRTB capital multiplier m_c = 1.5 + plus (backtesting.md §5, BCBS d457 MAR99 Table 2): 1.50 in the green zone,
   * 1.70 / 1.76 / 1.83 / 1.88 / 1.92 for the yellow rows 5–9, 2.00 in the red zone. Other (T, p) take the FRTB value
   * of the same Basel yellow row the plus factor was matched to.
   */
  readonly frtbMultiplier: number;
}

/** First counts of the yellow and red zones for (T, p). */
export interface TrafficLightThresholds {
  readonly yellowFrom: number;
  /** At most T: P(X ≤ T) = 1 ≥ 0.9999. */
  readonly redFrom: number;
}

export const YELLOW_CUMULATIVE = 0.95;
export const RED_CUMULATIVE = 0.9999;

/** Basel yellow-zone plus factors for 5, 6, 7, 8, 9 exceptions in 250 days at 99 % (§5 table). */
const BASEL_YELLOW_PLUS = [0.4, 0.5, 0.65, 0.75, 0.85] as const;
/** FRTB multipliers m_c for the same yellow rows; green 1.50, red 2.00 (§5 "FRTB"). */
const FRTB_YELLOW = [1.7, 1.76, 1.83, 1.88, 1.92] as const;
const FRTB_GREEN = 1.5;
const FRTB_RED = 2;
const BASEL_YELLOW_FIRST = 5;
const BASEL_T = 250;
const BASEL_P = 0.01;
/** Far below the gaps between Basel rows (≥ 2.5e-4), far above double rounding of the CDF (≈ 1e-16). */
const CDF_SLACK = 1e-12;

/** P(X ≤ x) for X ~ Binomial(T, p) (@stdlib, regularised incomplete beta). */
export function binomialCumulative(x: number, observations: number, p: number): number {
  return binomialCdf(x, observations, p);
}

/** Yellow and red thresholds by the cumulative-probability rule. */
export function trafficLightThresholds(observations: number, p: number): TrafficLightThresholds {
  checkInteger('observations', observations, 1);
  checkProbability('p', p);
  let yellowFrom = -1;
  let redFrom = -1;
  // P(X ≤ T) = 1, so both are found by x = T at the latest. Zero exceptions are always green: when T·p is tiny
  // (T ≤ 5 at 1 %) already P(X ≤ 0) ≥ 0.95 and the literal rule would colour a clean record yellow or red.
  for (let x = 1; x <= observations && redFrom < 0; x++) {
    const c = binomialCumulative(x, observations, p);
    if (yellowFrom < 0 && c >= YELLOW_CUMULATIVE) yellowFrom = x;
    if (c >= RED_CUMULATIVE) redFrom = x;
  }
  return { yellowFrom: yellowFrom < 0 ? redFrom : yellowFrom, redFrom };
}

/**
 * The shortest window N a caller may choose for the traffic light at exception probability p: the smallest N at which
 * the binomial rule above itself puts zero exceptions in the green zone, P(X ≤ 0) = (1 − p)^N < 0.95. Below it the
 * literal BCBS (1996) rule has no green zone at all (our "zero is always green" override is all that colours a clean
 * record), so the window cannot tell a good model from a bad one. 6 days at p = 0.01, 3 at 0.025, 2 at 0.05.
 */
export function minimumTrafficLightWindow(p: number): number {
  checkProbability('p', p);
  // Closed form ⌊ln 0.95 / ln(1 − p)⌋ + 1, then settled with the same CDF the zones use (rounding at the boundary).
  let n = Math.max(1, Math.floor(Math.log(YELLOW_CUMULATIVE) / Math.log1p(-p)));
  while (n > 1 && binomialCumulative(0, n - 1, p) < YELLOW_CUMULATIVE) n--;
  while (binomialCumulative(0, n, p) >= YELLOW_CUMULATIVE) n++;
  return n;
}

/** Zone, plus factor and multiplier for `exceptions` in `observations` days at exception probability p. */
export function trafficLight(exceptions: number, observations = BASEL_T, p = BASEL_P): TrafficLightResult {
  checkInteger('observations', observations, 1);
  checkInteger('exceptions', exceptions, 0, observations);
  checkProbability('p', p);
  const { yellowFrom, redFrom } = trafficLightThresholds(observations, p);
  const cumulativeProbability = binomialCumulative(exceptions, observations, p);
  const zone: TrafficLightZone = exceptions >= redFrom ? 'red' : exceptions >= yellowFrom ? 'yellow' : 'green';
  const row = zone === 'yellow' ? baselYellowRow(cumulativeProbability) : -1;
  const plusFactor = zone === 'green' ? 0 : zone === 'red' ? 1 : BASEL_YELLOW_PLUS[row]!;
  const frtbMultiplier = zone === 'green' ? FRTB_GREEN : zone === 'red' ? FRTB_RED : FRTB_YELLOW[row]!;
  return { zone, exceptions, observations, p, cumulativeProbability, plusFactor, multiplier: 3 + plusFactor, frtbMultiplier };
}

/**
 * Percentile match onto the Basel yellow rows (see the file comment): index (0 = 5 exceptions … 4 = 9) of the
 * largest row whose Binomial(250, 0.01) cumulative probability does not exceed `cumulative`, 0 below all of them.
 * Exact table rows at (250, 0.01).
 */
function baselYellowRow(cumulative: number): number {
  let row = 0;
  for (let i = 0; i < BASEL_YELLOW_PLUS.length; i++) {
    // The slack absorbs p = 1 − 0.99 = 0.010000000000000009 in doubles, which moves the CDF by an ulp or two.
    if (binomialCumulative(BASEL_YELLOW_FIRST + i, BASEL_T, BASEL_P) <= cumulative + CDF_SLACK) row = i;
  }
  return row;
}
