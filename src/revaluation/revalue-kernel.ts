import { black76Price } from '../pricing/black76-price.js';
import { inverseDeltaOnePnl, linearDeltaOnePnl } from '../pricing/delta-one.js';
import { inverseOptionPrice } from '../pricing/inverse-option.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { KIND_CALL, KIND_DELTA_ONE, MIN_SCENARIO_VOL, type RevaluationPlan } from './revaluation-plan.js';

/**
 * Fills `out[i * set.count + s]` with the P&L of one long contract of instrument i under scenario s, in the
 * instrument's settlement currency, gain positive, by full repricing (never by greeks), times the scenario weight.
 *
 * Price moves apply to the reference price (forward for dated instruments, index for spot and perpetuals).
 * Options keep their strike's vol (sticky strike) shifted by the scenario; time steps shorten τ (an option that
 * reaches expiry is worth its intrinsic value). Allocates nothing: `out` has instrumentCount × set.count entries.
 */
export function revalueKernel(plan: RevaluationPlan, set: ScenarioSet, out: Float64Array): void {
  for (let i = 0; i < plan.instrumentCount; i++) revalueInstrumentRow(plan, set, i, out);
}

/**
 * Row i of `revalueKernel`: fills `out[i * set.count + s]` for every scenario s. The reference implementation,
 * also used by the fast kernel (revalue-kernel-fast.ts) for the rows its fast path does not cover.
 */
export function revalueInstrumentRow(plan: RevaluationPlan, set: ScenarioSet, i: number, out: Float64Array): void {
  const n = set.count;
  const relativeVol = set.volShiftMode === 'relative';
  const { priceMove, volShift, timeStep, weight } = set;
  const u = plan.underlyingIndex[i]!;
  const moveBase = u * n;
  const ref = plan.reference[i]!;
  const mult = plan.multiplier[i]!;
  const row = i * n;
  const inverse = plan.inverse[i] === 1;
  if (plan.kind[i] === KIND_DELTA_ONE) {
    for (let s = 0; s < n; s++) {
      const p1 = u < 0 ? ref : ref * (1 + priceMove[moveBase + s]!);
      const pnl = inverse ? inverseDeltaOnePnl(mult, ref, p1) : linearDeltaOnePnl(mult, ref, p1);
      out[row + s] = pnl * weight[s]!;
    }
    return;
  }
  const isCall = plan.kind[i] === KIND_CALL;
  const strike = plan.strike[i]!;
  const tau0 = plan.tau[i]!;
  const rate = plan.rate[i]!;
  const vol0 = plan.vol[i]!;
  const base = plan.baseValue[i]!;
  for (let s = 0; s < n; s++) {
    const move = u < 0 ? 0 : priceMove[moveBase + s]!;
    const shift = u < 0 ? 0 : volShift[moveBase + s]!;
    const p1 = ref * (1 + move);
    const shifted = relativeVol ? vol0 * (1 + shift) : vol0 + shift;
    const vol1 = shifted > MIN_SCENARIO_VOL ? shifted : MIN_SCENARIO_VOL;
    const dt = timeStep[s]!;
    const tau1 = tau0 > dt ? tau0 - dt : 0;
    const df = Math.exp(-rate * tau1);
    const value = inverse
      ? inverseOptionPrice(isCall, p1, strike, tau1, vol1, df)
      : black76Price(isCall, p1, strike, tau1, vol1, df);
    out[row + s] = mult * (value - base) * weight[s]!;
  }
}
