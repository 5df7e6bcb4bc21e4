import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { InstrumentMarketInputs } from '../pricing/instrument-inputs.js';

/**
 * Groups instruments by option expiry for methods whose vol shock depends on time to expiry (Deribit PM's
 * expiry-dependent vol shock, OKX PM's vol term structure): slice 0 holds the delta-one instruments (no vol), then
 * one slice per distinct option time to expiry, in order of first appearance. `sliceTau[s]` is the slice's time to
 * expiry in years (−1 for slice 0).
 */
export function expirySlices(specs: readonly InstrumentSpec[], inputs: readonly InstrumentMarketInputs[]): { readonly slice: number[]; readonly sliceTau: number[] } {
  const sliceOfTau = new Map<number, number>([[-1, 0]]);
  const sliceTau: number[] = [-1];
  const slice = specs.map((spec, i) => {
    if (spec.kind !== 'option') return 0;
    const tau = inputs[i]!.tau;
    let s = sliceOfTau.get(tau);
    if (s === undefined) {
      s = sliceTau.length;
      sliceOfTau.set(tau, s);
      sliceTau.push(tau);
    }
    return s;
  });
  return { slice, sliceTau };
}
