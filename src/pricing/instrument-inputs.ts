import { yearFraction } from '../core/dates.js';
import { checkNotExpired, expiryMs as specExpiryMs } from '../instruments/resolve-instrument.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';

/** What the market says about one instrument today; the inputs of its pricer. */
export interface InstrumentMarketInputs {
  /** Underlying index (spot), quote currency. */
  readonly index: number;
  /** Reference price: forward to expiry for futures and options, index for spot and perpetuals. */
  readonly reference: number;
  /** Time to expiry, years ACT/365 from the snapshot's asOf (0 for spot and perpetuals). */
  readonly tau: number;
  /** Continuously compounded rate of the underlying's currency. */
  readonly rate: number;
  /** Implied vol at the strike (options only; undefined otherwise), decimal. */
  readonly vol: number | undefined;
}

/**
 * Looks up everything a pricer needs for `spec` in the snapshot. Errors name `field` (the position's
 * `instrument` field): the underlying missing, the instrument expired at asOf, no vol for an option (unless the
 * caller says it needs none: notional-based models price nothing).
 */
export function instrumentMarketInputs(
  spec: InstrumentSpec,
  market: MarketSnapshot,
  field: string,
  options: { readonly needVol?: boolean } = {},
): InstrumentMarketInputs {
  if (spec.kind === 'spot' && !market.has(spec.underlying)) {
    // A currency holding (USDC, EUR) needs no underlying block: its fx rate is its price (DESIGN.md "Collateral").
    return { index: market.fxRate(spec.underlying, spec.currency), reference: market.fxRate(spec.underlying, spec.currency), tau: 0, rate: 0, vol: undefined };
  }
  const underlying = market.underlying(spec.underlying, field);
  if (spec.kind === 'spot' || spec.kind === 'perpetual' || spec.expiry === undefined) {
    return { index: underlying.index, reference: underlying.index, tau: 0, rate: underlying.rate, vol: undefined };
  }
  checkNotExpired(spec, market.asOfMs, field);
  const expiryMs = specExpiryMs(spec) as number;
  const tau = yearFraction(market.asOfMs, expiryMs);
  const reference = underlying.forward(expiryMs);
  const vol = spec.kind === 'option' && options.needVol !== false ? underlying.vol(expiryMs, spec.strike as number) : undefined;
  return { index: underlying.index, reference, tau, rate: underlying.rate, vol };
}
