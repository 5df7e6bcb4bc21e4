/**
 * A scenario set: a matrix of risk-factor moves (DESIGN.md "The flow of data").
 *
 * Per scenario and underlying: a relative price move (−0.16 = price × 0.84) and a vol shift; per scenario an
 * optional time step. Arrays are underlying-major (`[u * count + s]`) so the revaluation kernel, which walks
 * every scenario of one instrument's underlying, reads them contiguously.
 */
export type VolShiftMode = 'absolute' | 'relative';

export interface ScenarioSet {
  /** Number of scenarios. */
  readonly count: number;
  /** Underlying names, index = the underlying's position in the move arrays. */
  readonly underlyings: readonly string[];
  /** Stable scenario ids (`"13"`, `"2020-03-12"`) and human labels (`"price −3/3, vol up"`). */
  readonly ids: readonly string[];
  readonly labels: readonly string[];
  /** Relative price move, decimal, `[u * count + s]`. */
  readonly priceMove: Float64Array;
  /** Vol shift `[u * count + s]`: absolute vol points (0.05 = +5 vol) or relative (0.25 = vol × 1.25). */
  readonly volShift: Float64Array;
  readonly volShiftMode: VolShiftMode;
  /** Time step per scenario, years (ACT/365); all zero when the set has no time decay. */
  readonly timeStep: Float64Array;
  /**
   * Fraction of each scenario's P&L that counts (SPAN extreme moves count 35 % of a 2× move); 1 for ordinary
   * scenarios. Applied by the revaluation so every consumer sees the weighted P&L.
   */
  readonly weight: Float64Array;
}

/** Index of an underlying in a scenario set, or −1 when the set does not move it. */
export function scenarioUnderlyingIndex(set: ScenarioSet, underlying: string): number {
  return set.underlyings.indexOf(underlying);
}
