import { checkInteger, checkProbability, checkSeries } from './check-arguments.js';

export { z2CriticalValue, z2NullSample } from './z2-critical-value.js';
export type { Z2CriticalValueOptions, Z2NullDistribution, Z2NullSampleOptions } from './z2-critical-value.js';

/**
 * Acerbi–Szekely (2014) ES backtests Z1 and Z2 (backtesting.md §6), in the engine's sign convention: X_t is the
 * day's P&L (a loss is negative), VaR_t and ES_t are positive amounts at the ES tail probability α (0.025 for a
 * 97.5 % ES), forecast from data up to t − 1.
 *
 *   I_t = 1{X_t + VaR_t < 0},  N_T = Σ I_t
 *   Z1 = (Σ_t X_t I_t / ES_t) / N_T + 1        — given the exceedances, is their average size ES?  (undefined if N_T = 0)
 *   Z2 = Σ_t X_t I_t / (T α ES_t) + 1          — unconditional: E_H0[Z2] = 0, reject when too negative
 *
 * Both are 0 in expectation under a correct model and negative when the model underestimates the tail. Z2 mixes
 * frequency and size (it is also negative when there are too many exceedances), Z1 only size. Both are scale free:
 * multiplying P&L, VaR and ES by the same k > 0 leaves them unchanged. VaR_t here must be the VaR at the same α as
 * ES (97.5 % VaR for a 97.5 % ES), not a 99 % VaR: a smaller exceedance set biases Z2 upwards.
 *
 * Critical values of Z2 come from simulation under H0: `z2CriticalValue` (z2-critical-value.ts).
 */
export interface AcerbiSzekelyInput {
  /** Daily P&L, gain positive. */
  readonly pnl: Float64Array;
  /** VaR at tail probability α, positive, one per day. */
  readonly var: Float64Array;
  /** ES at tail probability α, > 0, one per day. */
  readonly es: Float64Array;
  /** ES tail probability α = 1 − ES confidence (0.025). */
  readonly alpha: number;
}

export interface AcerbiSzekelyResult {
  /** N_T: days with X_t + VaR_t < 0. */
  readonly exceedances: number;
  /** Undefined when there is no exceedance. */
  readonly z1: number | undefined;
  readonly z2: number;
}

/** Z1 and Z2 of one backtest sample. */
export function acerbiSzekely(input: AcerbiSzekelyInput): AcerbiSzekelyResult {
  const T = input.pnl.length;
  checkInteger('observations', T, 1);
  checkSeries('pnl', input.pnl, T);
  checkSeries('var', input.var, T, 'nonNegative');
  checkSeries('es', input.es, T, 'positive');
  checkProbability('alpha', input.alpha);
  let exceedances = 0;
  let sumRatio = 0;
  for (let t = 0; t < T; t++) {
    const x = input.pnl[t]!;
    if (x + input.var[t]! < 0) {
      exceedances++;
      sumRatio += x / input.es[t]!;
    }
  }
  return {
    exceedances,
    z1: exceedances === 0 ? undefined : sumRatio / exceedances + 1,
    z2: sumRatio / (T * input.alpha) + 1,
  };
}

/** Z1 alone (undefined with no exceedance). */
export function acerbiSzekelyZ1(input: Omit<AcerbiSzekelyInput, 'alpha'>): number | undefined {
  // α does not enter Z1; any valid value satisfies the shared checks.
  return acerbiSzekely({ ...input, alpha: 0.5 }).z1;
}

/** Z2 alone. */
export function acerbiSzekelyZ2(input: AcerbiSzekelyInput): number {
  return acerbiSzekely(input).z2;
}
