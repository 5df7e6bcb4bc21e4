import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import { SPAN_SCENARIO_LABELS, SPAN_SCENARIOS } from './span-types.js';

/** SPAN scan parameters of one underlying (methods/span.md §2), for arrays computed by our own pricer. */
export interface SpanScanParams {
  /** Price scan range, relative to the reference price (0.08 = ±8 %). */
  readonly priceScanRange: number;
  /** Vol scan range, absolute vol points (0.05 = ±5 vol). */
  readonly volScanRange: number;
  /** Extreme move = multiplier × price scan range (classic 2). */
  readonly extremeMultiplier: number;
  /** Share of the extreme move's P&L that counts (classic 0.35); applied to arrays 15/16 after revaluation. */
  readonly extremeCoveredFraction: number;
}

/** (price fraction of the scan range, vol fraction of the vol range) of scenarios 1..16 (span.md §2 table). */
const POINTS: readonly (readonly [number, number])[] = [
  [0, 1], [0, -1], [1 / 3, 1], [1 / 3, -1], [-1 / 3, 1], [-1 / 3, -1], [2 / 3, 1], [2 / 3, -1],
  [-2 / 3, 1], [-2 / 3, -1], [1, 1], [1, -1], [-1, 1], [-1, -1],
];

/**
 * The 16 SPAN scenarios as a scenario set over `underlyings` (each with its own scan ranges), absolute vol shifts,
 * time step = look-ahead (years). Scenarios 15/16 move price ± extreme at unchanged vol with weight 1: each
 * underlying's covered fraction differs, so the caller scales rows 15/16 per instrument (span.md §2: published
 * arrays 15/16 already include the fraction).
 */
export function buildSpanScenarioSet(underlyings: ReadonlyMap<string, SpanScanParams>, lookAheadYears: number): ScenarioSet {
  const names = [...underlyings.keys()];
  const count = SPAN_SCENARIOS;
  const priceMove = new Float64Array(names.length * count);
  const volShift = new Float64Array(names.length * count);
  const weight = new Float64Array(count).fill(1);
  names.forEach((name, u) => {
    const p = underlyings.get(name) as SpanScanParams;
    POINTS.forEach(([price, vol], s) => {
      priceMove[u * count + s] = price * p.priceScanRange;
      volShift[u * count + s] = vol * p.volScanRange;
    });
    priceMove[u * count + 14] = p.extremeMultiplier * p.priceScanRange;
    priceMove[u * count + 15] = -p.extremeMultiplier * p.priceScanRange;
  });
  return {
    count,
    underlyings: names,
    ids: Array.from({ length: count }, (_, s) => String(s + 1)),
    labels: SPAN_SCENARIO_LABELS,
    priceMove,
    volShift,
    volShiftMode: 'absolute',
    timeStep: new Float64Array(count).fill(lookAheadYears),
    weight,
  };
}
