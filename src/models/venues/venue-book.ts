import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { CrossmarginError } from '../../core/errors.js';
import type { ModelContext } from '../margin-model.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';

/**
 * The book as the non-netting venues of crypto-venues.md (§3, §5–§7: "plain functions of the book") see it:
 * one signed base exposure per market (underlying), valued at the oracle (index) price in the venue's quote
 * currency. Options are not listed on these venues: they are carried at |multiplier| coins of underlying,
 * unsigned and without netting (the isolated-simple convention), and flagged as an approximation.
 */
export interface VenueMarketExposure {
  readonly market: string;
  /** Signed base units (coins) held: long positive. */
  base: number;
  /** Oracle price of one base unit, quote currency. */
  readonly oraclePrice: number;
  /** |notional| of options on this underlying carried without netting (approximation), quote currency. */
  optionNotional: number;
  readonly instruments: string[];
}

export interface VenueBook {
  readonly markets: VenueMarketExposure[];
  /** Collateral valued in the quote currency, by currency. */
  readonly collateral: Readonly<Record<string, number>>;
  readonly approximations: string[];
}

/** Signed base units of one contract held: linear → multiplier coins; inverse delta-one → face / reference coins. */
function baseUnits(spec: InstrumentSpec, reference: number): number {
  if (spec.settlement === 'linear') return spec.multiplier;
  return spec.kind === 'option' ? spec.multiplier : spec.multiplier / reference;
}

/** Groups the portfolio's positions by underlying (order-independent: markets sorted by name). */
export function venueBook(portfolio: ResolvedPortfolio, context: ModelContext, quoteCurrency: string): VenueBook {
  const byMarket = new Map<string, VenueMarketExposure>();
  const approximations: string[] = [];
  const collateral: Record<string, number> = {};
  for (const [currency, amount] of Object.entries(portfolio.collateral)) {
    if (amount !== 0) collateral[currency] = (collateral[currency] ?? 0) + amount;
  }
  for (const p of portfolio.positions) {
    const spec = context.instruments.spec(p.instrument);
    const field = context.fieldOf?.(p.instrument) ?? `instruments.${p.instrument}`;
    if (spec.kind === 'spot' && !context.market.has(spec.underlying)) {
      // A bare currency holding (USDC) is collateral, not a market.
      collateral[spec.underlying] = (collateral[spec.underlying] ?? 0) + p.quantity;
      continue;
    }
    const inputs = instrumentMarketInputs(spec, context.market, field, { needVol: false });
    const oraclePrice = inputs.index * context.market.fxRate(spec.settlement === 'linear' ? spec.currency : 'USD', quoteCurrency);
    let m = byMarket.get(spec.underlying);
    if (m === undefined) {
      m = { market: spec.underlying, base: 0, oraclePrice, optionNotional: 0, instruments: [] };
      byMarket.set(spec.underlying, m);
    }
    m.instruments.push(spec.symbol);
    const units = p.quantity * baseUnits(spec, inputs.reference);
    if (spec.kind === 'option') {
      m.optionNotional += Math.abs(units) * oraclePrice;
      approximations.push(`${spec.symbol}: options are not listed on this venue; carried at |multiplier| coins of underlying`);
    } else {
      if (spec.kind === 'future') approximations.push(`${spec.symbol}: dated future margined as the ${spec.underlying} perpetual`);
      m.base += units;
    }
  }
  const markets = [...byMarket.values()].sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  return { markets, collateral, approximations: [...new Set(approximations)].sort() };
}

/** Rejects collateral a venue does not accept (dYdX v4: USDC only), naming the field. */
export function onlyQuoteCollateral(collateral: Readonly<Record<string, number>>, quoteCurrency: string, venue: string): number {
  let total = 0;
  for (const [currency, amount] of Object.entries(collateral)) {
    if (currency !== quoteCurrency) {
      throw new CrossmarginError('SCHEMA_INVALID', `collateral.${currency}: ${venue} accepts only ${quoteCurrency} collateral`, { field: `collateral.${currency}` });
    }
    total += amount;
  }
  return total;
}
