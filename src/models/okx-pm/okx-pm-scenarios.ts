import { instrumentMarketInputs, type InstrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { expirySlices } from '../expiry-slices.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ModelContext } from '../margin-model.js';
import { buildScenarioMatrix, riskUnderlyings, type ScenarioMatrix } from '../scenario-pipeline.js';
import { okxVolShock } from './okx-pm-components.js';
import type { OkxPmParams } from './okx-pm-params.js';

/** Relative price step of the two scenarios each position's delta is read from (central difference). */
export const OKX_DELTA_STEP = 1e-4;
const DAYS_PER_YEAR = 365;
/** MR1 vol order within a spot point, as OKX's mr1Scenarios (volShockDown, volSame, volShockUp). */
export const OKX_VOL_NAMES = ['volShockDown', 'volSame', 'volShockUp'] as const;

/**
 * Scenario layout of one slice (crypto-venues.md §2): the MR1 grid (spot point-major, 2N+1 points × 3 vols), the
 * MR6 extreme moves +E and −E at unchanged vol, the MR2 time-decay scenario, the MR3 vega scenario, and ±h for delta.
 */
export interface OkxLayout {
  /** Spot points each side of 0 (the largest tier's count; smaller tiers repeat 0 in the extra points). */
  readonly points: number;
  readonly gridCount: number;
  readonly extremeUp: number;
  readonly extremeDown: number;
  readonly theta: number;
  readonly vega: number;
  readonly deltaUp: number;
  readonly deltaDown: number;
  readonly length: number;
}

export function okxLayout(points: number): OkxLayout {
  const gridCount = (2 * points + 1) * OKX_VOL_NAMES.length;
  return { points, gridCount, extremeUp: gridCount, extremeDown: gridCount + 1, theta: gridCount + 2, vega: gridCount + 3, deltaUp: gridCount + 4, deltaDown: gridCount + 5, length: gridCount + 6 };
}

/** An underlying's MR1 spot move of grid point k (−N..N); 0 beyond its own tier's shocks. */
export function okxSpotMove(shocks: readonly number[], k: number): number {
  const s = Math.abs(k) <= shocks.length && k !== 0 ? shocks[Math.abs(k) - 1]! : 0;
  return Math.sign(k) * s;
}

export function mr1ShocksOf(params: OkxPmParams, underlying: string): readonly number[] {
  return params.mr1Tiers[params.mr1TierOf[underlying] ?? 'others'];
}

export function mr46TierOf(params: OkxPmParams, underlying: string): OkxPmParams['mr46Tiers']['tier1'] {
  return params.mr46Tiers[params.mr46TierOf[underlying] ?? 'others'];
}

/**
 * MR7 raw rates and scaling of an underlying. MR7 follows the MR1 tier list (`mr1TierOf`): OKX's scaling article
 * (4417291853837) groups its second MR7 table with the MR1 tier-2 coins (LTC, BSV, TRX, DOT, XRP, …). Tier 1 is the
 * top-level `mr7Rate`, `mr7OptionRate`, `mr7Scaling`.
 */
export function mr7TierOf(params: OkxPmParams, underlying: string): { rate: number; optionRate: number; scaling: OkxPmParams['mr7Scaling'] } {
  const tier = params.mr1TierOf[underlying] ?? 'others';
  return tier === 'tier1' ? { rate: params.mr7Rate, optionRate: params.mr7OptionRate, scaling: params.mr7Scaling } : params.mr7Tiers[tier];
}

/** The compiled revaluation: each instrument's row reads its own slice (delta-one: slice 0; options: one per expiry). */
export interface OkxPlan {
  readonly layout: OkxLayout;
  /** P&L of one long contract per compact scenario, settlement currency, `[instrument * layout.length + j]`. */
  readonly matrix: ScenarioMatrix;
  readonly slice: readonly number[];
  /** Time to expiry of each slice, years (slice 0: −1, delta-one instruments). */
  readonly sliceTau: readonly number[];
  readonly inputs: readonly InstrumentMarketInputs[];
}

/** One revaluation on the shared pipeline (scenario-pipeline.ts) for every slice, then compacted per instrument. */
export function compileOkxPlan(params: OkxPmParams, context: ModelContext): OkxPlan {
  const specs = context.instruments.specs();
  const inputs = specs.map((spec, i) => instrumentMarketInputs(spec, context.market, context.fieldOf?.(i) ?? `instruments.${i}`));
  const { slice, sliceTau } = expirySlices(specs, inputs);
  const underlyings = riskUnderlyings(context);
  const points = Math.max(1, ...underlyings.map((u) => mr1ShocksOf(params, u).length));
  const layout = okxLayout(points);
  const full = buildScenarioMatrix(context, slicedSet(params, underlyings, sliceTau, layout));
  const count = sliceTau.length * layout.length;
  const pnl = new Float64Array(specs.length * layout.length);
  for (let i = 0; i < specs.length; i++) {
    pnl.set(full.pnl.subarray(i * count + slice[i]! * layout.length, i * count + (slice[i]! + 1) * layout.length), i * layout.length);
  }
  // The compact set describes slice 0 (delta-one moves); option rows carry their own slice's vol shifts.
  const compact: ScenarioSet = {
    ...full.set,
    count: layout.length,
    priceMove: sliceZero(full.set.priceMove, underlyings.length, count, layout.length),
    volShift: sliceZero(full.set.volShift, underlyings.length, count, layout.length),
    timeStep: full.set.timeStep.slice(0, layout.length),
    weight: full.set.weight.slice(0, layout.length),
    ids: full.set.ids.slice(0, layout.length),
    labels: full.set.labels.slice(0, layout.length),
  };
  return { layout, matrix: { set: compact, pnl, instrumentCount: specs.length }, slice, sliceTau, inputs };
}

function sliceZero(a: Float64Array, n: number, count: number, width: number): Float64Array {
  const out = new Float64Array(n * width);
  for (let u = 0; u < n; u++) out.set(a.subarray(u * count, u * count + width), u * width);
  return out;
}

function slicedSet(params: OkxPmParams, underlyings: readonly string[], sliceTau: readonly number[], layout: OkxLayout): ScenarioSet {
  const count = sliceTau.length * layout.length;
  const priceMove = new Float64Array(underlyings.length * count);
  const volShift = new Float64Array(underlyings.length * count);
  const timeStep = new Float64Array(count);
  for (let sl = 0; sl < sliceTau.length; sl++) timeStep[sl * layout.length + layout.theta] = params.thetaHorizonDays / DAYS_PER_YEAR;
  underlyings.forEach((name, u) => {
    const shocks = mr1ShocksOf(params, name);
    const extreme = mr46TierOf(params, name).extremeMove;
    sliceTau.forEach((tau, sl) => {
      // Delta-one instruments have no vol: their slice keeps vol unchanged (crypto-venues.md §2 MR1).
      const shock = tau < 0 ? { up: 0, down: 0 } : okxVolShock(tau * DAYS_PER_YEAR, params.volShocks);
      const at = u * count + sl * layout.length;
      let j = 0;
      for (let k = -layout.points; k <= layout.points; k++) {
        for (const v of [-shock.down, 0, shock.up]) {
          priceMove[at + j] = okxSpotMove(shocks, k);
          volShift[at + j] = v;
          j++;
        }
      }
      priceMove[at + layout.extremeUp] = extreme;
      priceMove[at + layout.extremeDown] = -extreme;
      volShift[at + layout.vega] = tau < 0 ? 0 : params.termStructureShock;
      priceMove[at + layout.deltaUp] = OKX_DELTA_STEP;
      priceMove[at + layout.deltaDown] = -OKX_DELTA_STEP;
    });
  });
  return {
    count,
    underlyings,
    ids: Array.from({ length: count }, (_, s) => String(s % layout.length)),
    labels: Array.from({ length: count }, (_, s) => `scenario ${s % layout.length}`),
    priceMove,
    volShift,
    volShiftMode: 'relative',
    timeStep,
    weight: new Float64Array(count).fill(1),
  };
}

/** Label of compact scenario j for an underlying with MR1 shocks `shocks`: `MR1 +12%, volShockUp`, `MR6 −24%`, … */
export function okxScenarioLabel(layout: OkxLayout, j: number, shocks: readonly number[], extreme: number): string {
  const pct = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Number((Math.abs(x) * 100).toPrecision(4))}%`;
  if (j < layout.gridCount) {
    const k = Math.floor(j / OKX_VOL_NAMES.length) - layout.points;
    return `MR1 spot ${pct(okxSpotMove(shocks, k))}, ${OKX_VOL_NAMES[j % OKX_VOL_NAMES.length]}`;
  }
  if (j === layout.extremeUp) return `MR6 spot ${pct(extreme)}`;
  if (j === layout.extremeDown) return `MR6 spot ${pct(-extreme)}`;
  if (j === layout.theta) return 'MR2 time decay';
  return j === layout.vega ? 'MR3 vega' : 'delta';
}
