import type { ScenarioSet, VolShiftMode } from '../../scenarios/scenario-set.js';

/**
 * The TIMS valuation points as one scenario set (methods/tims.md §2 "class P&L at each valuation point").
 *
 * A class (one underlying) with range R, N points and vol variants [0, v_1, …] is valued at the relative price
 * moves m_k = −R + k · 2R / (N − 1), k = 0 … N − 1 (both ends included, equidistant), each combined with every vol
 * variant. Scenario s = k · V + v (price outer, vol inner, V = 1 + number of shifts). Every underlying moves in the
 * same scenario by the same fraction of its own range, so classes that share N and V (all classes of one product
 * group do) see the same point j in scenario j. A class with fewer scenarios than the set is padded with "no move"
 * scenarios that the model never reads (`classScenarioCount`).
 */
export interface TimsClassPoints {
  /** Price range, relative (0.15 = ±15 %). */
  readonly priceRange: number;
  /** Number of price points, ≥ 2. */
  readonly points: number;
  /** Extra vol shifts; "vol unchanged" is always variant 0. */
  readonly volShifts: readonly number[];
}

/** Relative price move of point k (0-based) of a class: −R + k · 2R/(N − 1). */
export function timsPointMove(priceRange: number, points: number, k: number): number {
  // Written as R · (2k − (N − 1)) / (N − 1) so the middle point of an odd N is exactly 0 and the ends exactly ±R.
  return (priceRange * (2 * k - (points - 1))) / (points - 1);
}

/** Number of scenarios a class really uses: points × (1 + number of vol shifts). */
export function classScenarioCount(c: TimsClassPoints): number {
  return c.points * (1 + c.volShifts.length);
}

/** Builds the scenario set over `classes` (underlying name → its points); ids "1", "2", … and generic labels. */
export function buildTimsPointSet(classes: ReadonlyMap<string, TimsClassPoints>, volShiftMode: VolShiftMode): ScenarioSet {
  const names = [...classes.keys()];
  const setups = names.map((n) => classes.get(n) as TimsClassPoints);
  const count = Math.max(1, ...setups.map(classScenarioCount));
  const priceMove = new Float64Array(names.length * count);
  const volShift = new Float64Array(names.length * count);
  setups.forEach((c, u) => {
    const variants = 1 + c.volShifts.length;
    for (let s = 0; s < classScenarioCount(c); s++) {
      const k = Math.floor(s / variants);
      const v = s % variants;
      priceMove[u * count + s] = timsPointMove(c.priceRange, c.points, k);
      volShift[u * count + s] = v === 0 ? 0 : c.volShifts[v - 1]!;
    }
  });
  const ids = Array.from({ length: count }, (_, s) => String(s + 1));
  // Labels depend on each class's layout; the model writes per-group labels, these only name the scenario slot.
  const labels = ids.map((id) => `TIMS valuation slot ${id}`);
  return {
    count,
    underlyings: names,
    ids,
    labels,
    priceMove,
    volShift,
    volShiftMode,
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
}
