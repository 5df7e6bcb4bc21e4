import { compileRevaluation } from '../../revaluation/compile-revaluation.js';
import { revalueKernelFast, revaluationScratchLength } from '../../revaluation/revalue-kernel-fast.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ModelContext } from '../margin-model.js';

/** Relative bump for finite differences: 1 % keeps option convexity visible without leaving the local regime. */
const BUMP = 0.01;

/**
 * First and second derivatives of each instrument's value with respect to a RELATIVE move of its underlying, and
 * the first derivative with respect to a relative change of its implied vol, per contract, settlement currency, by
 * central differences of full revaluations through the shared pipeline: delta = ∂V/∂m (P&L per 100 % move, i.e.
 * "dollar delta"), gamma = ∂²V/∂m², vega = ∂V/∂(σ'/σ − 1). Every instrument depends on one underlying only, so
 * bumping all underlyings at once is exact.
 */
export interface InstrumentExposures {
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  /** ∂V/∂(relative vol shift): P&L per 100 % relative change of the instrument's implied vol (0 for delta-one). */
  readonly vega: Float64Array;
}

export function instrumentExposures(context: ModelContext): InstrumentExposures {
  const specs = context.instruments.specs();
  const underlyings = context.instruments.underlyingNames();
  const n = underlyings.length;
  // Scenarios: price +1 %, price −1 %, vol × 1.01, vol × 0.99 (relative vol shifts), for every underlying at once.
  const count = 4;
  const set: ScenarioSet = {
    count,
    underlyings,
    ids: ['up', 'down', 'vol-up', 'vol-down'],
    labels: ['price +1 %', 'price −1 %', 'vol +1 %', 'vol −1 %'],
    priceMove: Float64Array.from({ length: count * n }, (_, i) => [BUMP, -BUMP, 0, 0][i % count]!),
    volShift: Float64Array.from({ length: count * n }, (_, i) => [0, 0, BUMP, -BUMP][i % count]!),
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
  const pnl = new Float64Array(specs.length * count);
  revalueKernelFast(compileRevaluation(specs, context.market, set, context.fieldOf), set, pnl, new Float64Array(revaluationScratchLength(set)));
  const delta = new Float64Array(specs.length);
  const gamma = new Float64Array(specs.length);
  const vega = new Float64Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    const up = pnl[count * i]!;
    const down = pnl[count * i + 1]!;
    delta[i] = (up - down) / (2 * BUMP);
    gamma[i] = (up + down) / (BUMP * BUMP); // P&L at the centre is 0 by construction
    vega[i] = (pnl[count * i + 2]! - pnl[count * i + 3]!) / (2 * BUMP);
  }
  return { delta, gamma, vega };
}
