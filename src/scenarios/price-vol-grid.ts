import type { ScenarioSet, VolShiftMode } from './scenario-set.js';

/**
 * SPAN-like price × vol grid per underlying (methods/span.md §2 gives the classic 16-point layout; this is its
 * configurable generalisation).
 *
 * Price points k/steps × range for k = −steps..steps (so steps = 3 gives SPAN's 0, ±1/3, ±2/3, ±3/3), each combined
 * with every vol shift; plus optional extreme moves ±multiplier × range at unchanged vol whose P&L counts only
 * `coveredFraction` (SPAN: 2 × range, 35 % covered). Every underlying moves by the same fraction of its own range
 * in a scenario, so one revaluation serves all underlyings; models that must not offset underlyings aggregate
 * each underlying separately.
 */
export interface UnderlyingGrid {
  /** Price scan range, relative (0.15 = ±15 %). */
  readonly priceRange: number;
  /** Vol shifts applied at every price point, in the grid's vol mode; order is kept in scenario ids. */
  readonly volShifts: readonly number[];
}

export interface PriceVolGridSpec {
  /** Price points on each side of zero. */
  readonly priceSteps: number;
  readonly volShiftMode: VolShiftMode;
  /** Optional extreme moves; undefined = none. */
  readonly extreme?: { readonly multiplier: number; readonly coveredFraction: number } | undefined;
  /** Time step per scenario, years (ACT/365). */
  readonly timeStep: number;
  /** Grid per underlying; every entry must have the same number of vol shifts. */
  readonly underlyings: ReadonlyMap<string, UnderlyingGrid>;
}

/** 0.125 → "12.5", 0.07 → "7": percent with at most 4 significant digits and no float noise. */
function percent(x: number): string {
  return String(Number((x * 100).toPrecision(4)));
}

/** Vol part of a label; `uniform` = every underlying has this same shift, so the size can be stated. */
function formatShift(shift: number, mode: VolShiftMode, uniform: boolean): string {
  if (shift === 0) return 'vol unchanged';
  const sign = shift > 0 ? '+' : '−';
  if (!uniform) return `vol ${shift > 0 ? 'up' : 'down'}`;
  return mode === 'relative' ? `vol ${sign}${percent(Math.abs(shift))}%` : `vol ${sign}${percent(Math.abs(shift))} pts`;
}

function formatFraction(k: number, steps: number): string {
  if (k === 0) return 'price unchanged';
  return `price ${k > 0 ? '+' : '−'}${Math.abs(k)}/${steps}`;
}

/** Builds the scenario set; labels describe fractions of each underlying's range ("price −3/3, vol +25%"). */
export function buildPriceVolGrid(spec: PriceVolGridSpec): ScenarioSet {
  const names = [...spec.underlyings.keys()];
  const grids = names.map((n) => spec.underlyings.get(n) as UnderlyingGrid);
  const volCount = grids[0]?.volShifts.length ?? 1;
  const refShifts = grids[0]?.volShifts ?? [0];
  const pointCount = 2 * spec.priceSteps + 1;
  const extremeCount = spec.extreme === undefined ? 0 : 2;
  const count = pointCount * volCount + extremeCount;

  const ids: string[] = [];
  const labels: string[] = [];
  const priceMove = new Float64Array(names.length * count);
  const volShift = new Float64Array(names.length * count);
  const weight = new Float64Array(count).fill(1);
  const timeStep = new Float64Array(count).fill(spec.timeStep);

  // Labels are shared by all underlyings; state the vol shift's size only when every underlying uses the same one.
  const uniform = refShifts.map((shift, v) => grids.every((g) => g.volShifts[v] === shift));
  let s = 0;
  for (let k = -spec.priceSteps; k <= spec.priceSteps; k++) {
    for (let v = 0; v < volCount; v++) {
      ids.push(String(s + 1));
      labels.push(`${formatFraction(k, spec.priceSteps)}, ${formatShift(refShifts[v] ?? 0, spec.volShiftMode, uniform[v] ?? false)}`);
      grids.forEach((g, u) => {
        priceMove[u * count + s] = spec.priceSteps === 0 ? 0 : (k / spec.priceSteps) * g.priceRange;
        volShift[u * count + s] = g.volShifts[v] ?? 0;
      });
      s++;
    }
  }
  if (spec.extreme !== undefined) {
    for (const sign of [1, -1]) {
      ids.push(String(s + 1));
      labels.push(`extreme price ${sign > 0 ? '+' : '−'}${spec.extreme.multiplier}× range (${percent(spec.extreme.coveredFraction)}% counted)`);
      grids.forEach((g, u) => {
        priceMove[u * count + s] = sign * spec.extreme!.multiplier * g.priceRange;
      });
      weight[s] = spec.extreme.coveredFraction;
      s++;
    }
  }
  return { count, underlyings: names, ids, labels, priceMove, volShift, volShiftMode: spec.volShiftMode, timeStep, weight };
}
