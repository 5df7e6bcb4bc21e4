import { compileRevaluation } from '../../revaluation/compile-revaluation.js';
import { revalueKernel } from '../../revaluation/revalue-kernel.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ModelContext } from '../margin-model.js';

/** Relative bump for finite differences: 1 % keeps option convexity visible without leaving the local regime. */
const BUMP = 0.01;

/**
 * First and second derivatives of each instrument's value with respect to a RELATIVE move of its underlying, per
 * contract, settlement currency, by central differences of full revaluations through the shared pipeline:
 * delta = ∂V/∂m (P&L per 100 % move, i.e. "dollar delta"), gamma = ∂²V/∂m². Every instrument depends on one
 * underlying only, so bumping all underlyings at once is exact.
 */
export interface InstrumentExposures {
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
}

export function instrumentExposures(context: ModelContext): InstrumentExposures {
  const specs = context.instruments.specs();
  const underlyings = context.instruments.underlyingNames();
  const n = underlyings.length;
  const set: ScenarioSet = {
    count: 2,
    underlyings,
    ids: ['up', 'down'],
    labels: ['price +1 %', 'price −1 %'],
    priceMove: Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? BUMP : -BUMP)),
    volShift: new Float64Array(2 * n),
    volShiftMode: 'absolute',
    timeStep: new Float64Array(2),
    weight: new Float64Array(2).fill(1),
  };
  const pnl = new Float64Array(specs.length * 2);
  revalueKernel(compileRevaluation(specs, context.market, set, context.fieldOf), set, pnl);
  const delta = new Float64Array(specs.length);
  const gamma = new Float64Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    const up = pnl[2 * i]!;
    const down = pnl[2 * i + 1]!;
    delta[i] = (up - down) / (2 * BUMP);
    gamma[i] = (up + down) / (BUMP * BUMP); // P&L at the centre is 0 by construction
  }
  return { delta, gamma };
}
