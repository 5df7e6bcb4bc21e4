import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { black76Price } from '../pricing/black76-price.js';
import { inverseOptionPrice } from '../pricing/inverse-option.js';
import { instrumentMarketInputs } from '../pricing/instrument-inputs.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { KIND_CALL, KIND_DELTA_ONE, KIND_PUT, type RevaluationPlan } from './revaluation-plan.js';

/**
 * Compiles instruments (index = instrument id) against a market snapshot and the underlyings a scenario set moves
 * into the typed arrays the revaluation kernel reads. Market look-ups and their errors happen here, once, never
 * in the kernel. `fieldOf(i)` names the input field of instrument i for error messages.
 */
export function compileRevaluation(
  specs: readonly InstrumentSpec[],
  market: MarketSnapshot,
  set: Pick<ScenarioSet, 'underlyings'>,
  fieldOf: (instrumentId: number) => string = (i) => `instruments.${i}`,
): RevaluationPlan {
  const n = specs.length;
  const plan = {
    instrumentCount: n,
    kind: new Int32Array(n),
    inverse: new Int32Array(n),
    underlyingIndex: new Int32Array(n),
    reference: new Float64Array(n),
    strike: new Float64Array(n),
    tau: new Float64Array(n),
    rate: new Float64Array(n),
    vol: new Float64Array(n),
    multiplier: new Float64Array(n),
    baseValue: new Float64Array(n),
  };
  specs.forEach((spec, i) => {
    const inputs = instrumentMarketInputs(spec, market, fieldOf(i));
    const inverse = spec.settlement === 'inverse';
    plan.inverse[i] = inverse ? 1 : 0;
    plan.underlyingIndex[i] = set.underlyings.indexOf(spec.underlying);
    plan.reference[i] = inputs.reference;
    plan.tau[i] = inputs.tau;
    plan.rate[i] = inputs.rate;
    plan.multiplier[i] = spec.multiplier;
    if (spec.kind !== 'option') {
      plan.kind[i] = KIND_DELTA_ONE;
      return;
    }
    const isCall = spec.right === 'call';
    const strike = spec.strike as number;
    const vol = inputs.vol as number;
    plan.kind[i] = isCall ? KIND_CALL : KIND_PUT;
    plan.strike[i] = strike;
    plan.vol[i] = vol;
    const df = Math.exp(-inputs.rate * inputs.tau);
    plan.baseValue[i] = inverse
      ? inverseOptionPrice(isCall, inputs.reference, strike, inputs.tau, vol, df)
      : black76Price(isCall, inputs.reference, strike, inputs.tau, vol, df);
  });
  return plan;
}
