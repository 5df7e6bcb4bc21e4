import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { black76Greeks, createGreeks, type OptionGreeks } from './black76-greeks.js';
import { inverseOptionGreeks } from './inverse-option.js';
import { instrumentMarketInputs } from './instrument-inputs.js';

/**
 * Price and greeks of one instrument today (`crossmargin price`). All per ONE contract, in the settlement
 * currency, derivatives taken with respect to the reference price (forward for dated instruments):
 * delta = ∂V/∂F, gamma = ∂²V/∂F², vega = ∂V/∂σ per 1.00 of vol, theta = ∂V/∂t per year of calendar time.
 * For delta-one contracts V is the mark-to-market value against today's reference (0 today), so delta is the
 * contract's exposure: multiplier for linear, face/F² coin per USD for inverse.
 */
export interface PriceResult {
  readonly instrument: string;
  readonly kind: InstrumentSpec['kind'];
  readonly settlement: InstrumentSpec['settlement'];
  readonly underlying: string;
  /** Currency of `value` and the greeks. */
  readonly currency: string;
  readonly asOf: string;
  readonly expiry?: string;
  /** Years to expiry, ACT/365. */
  readonly tau: number;
  readonly index: number;
  /** Forward to expiry (index for spot and perpetuals), quote currency. */
  readonly forward: number;
  readonly strike?: number;
  readonly vol?: number;
  readonly multiplier: number;
  /** Option premium per unit of underlying in settlement currency (inverse: coin per coin); delta-one: the forward. */
  readonly unitPrice: number;
  /** Value of one contract in settlement currency (options: premium × multiplier; delta-one: 0, marked to market). */
  readonly value: number;
  readonly greeks: Omit<OptionGreeks, 'price'>;
}

export function priceInstrument(spec: InstrumentSpec, market: MarketSnapshot, field = 'instrument'): PriceResult {
  const inputs = instrumentMarketInputs(spec, market, field);
  const F = inputs.reference;
  const m = spec.multiplier;
  const greeks = createGreeks();
  const common = {
    instrument: spec.symbol,
    kind: spec.kind,
    settlement: spec.settlement,
    underlying: spec.underlying,
    currency: spec.currency,
    asOf: market.asOf,
    ...(spec.expiry === undefined ? {} : { expiry: spec.expiry }),
    tau: inputs.tau,
    index: inputs.index,
    forward: F,
    multiplier: m,
  };
  if (spec.kind !== 'option') {
    const delta = spec.settlement === 'inverse' ? m / (F * F) : m;
    const gamma = spec.settlement === 'inverse' ? (-2 * m) / (F * F * F) : 0;
    return { ...common, unitPrice: F, value: 0, greeks: { delta, gamma, vega: 0, theta: 0 } };
  }
  const isCall = spec.right === 'call';
  const strike = spec.strike as number;
  const vol = inputs.vol as number;
  if (spec.settlement === 'inverse') inverseOptionGreeks(isCall, F, strike, inputs.tau, vol, inputs.rate, greeks);
  else black76Greeks(isCall, F, strike, inputs.tau, vol, inputs.rate, greeks);
  return {
    ...common,
    strike,
    vol,
    unitPrice: greeks.price,
    value: greeks.price * m,
    greeks: { delta: greeks.delta * m, gamma: greeks.gamma * m, vega: greeks.vega * m, theta: greeks.theta * m },
  };
}
