import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { CrossmarginError } from '../../core/errors.js';
import type { ModelContext } from '../margin-model.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';

/**
 * The book as the non-netting venues of crypto-venues.md (§3, §5–§7: "plain functions of the book") see it:
 * one signed base exposure per market (underlying), valued at the oracle (index) price in the venue's quote
 * currency. Options are not listed on dYdX, Drift or Mango: with `listsOptions: false` a book holding one is refused
 * (INSTRUMENT_NOT_LISTED: no figure rather than an invented one). Where the venue lists them but the rule is not
 * verified (Binance PM) they are carried at |multiplier| coins of underlying, unsigned and without netting (the
 * isolated-simple convention), and flagged as an approximation.
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

export interface VenueBookOptions {
  /** Venue name for messages ("dYdX v4"). */
  readonly venue: string;
  /** False: options are not listed on the venue (INSTRUMENT_NOT_LISTED). Default true. */
  readonly listsOptions?: boolean;
}

/**
 * fx(from → to) for a venue valuing the book in its quote currency. A missing rate is reported with its real cause:
 * which conversion needs which rate and why (a BTC-settled book on a USDC venue needs the USD value of USDC).
 */
export function venueFxRate(context: ModelContext, from: string, to: string, venue: string, quoteCurrency: string, why: string): number {
  try {
    return context.market.fxRate(from, to);
  } catch (error) {
    if (!(error instanceof CrossmarginError) || error.code !== 'MARKET_FX_MISSING') throw error;
    const missing = String(error.details?.['currency'] ?? (from === 'USD' ? to : from));
    throw new CrossmarginError(
      'MARKET_FX_MISSING',
      `fx.${missing}: ${venue} values the account in ${quoteCurrency}, its quote currency; ${why} needs the USD value of ${missing}, which the market does not give. ` +
        `Add "${missing}" to the market's "fx" (e.g. "${missing}": 1 for a USD stablecoin), or use a model of the book's own venue`,
      { field: `fx.${missing}`, details: { ...error.details, venue, quoteCurrency, purpose: why } },
    );
  }
}

/** Groups the portfolio's positions by underlying (order-independent: markets sorted by name). */
export function venueBook(portfolio: ResolvedPortfolio, context: ModelContext, quoteCurrency: string, options: VenueBookOptions = { venue: 'the venue' }): VenueBook {
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
    if (spec.kind === 'option' && options.listsOptions === false) {
      throw new CrossmarginError('INSTRUMENT_NOT_LISTED', `${field}: ${spec.symbol} is not listed on ${options.venue} (it lists no options); no margin figure is given for this book`, {
        field,
        details: { venue: options.venue, instrument: spec.symbol, kind: spec.kind },
      });
    }
    const inputs = instrumentMarketInputs(spec, context.market, field, { needVol: false });
    const priceCurrency = spec.settlement === 'linear' ? spec.currency : 'USD';
    const why = `converting ${spec.symbol}'s ${priceCurrency} price to ${quoteCurrency}`;
    const oraclePrice = inputs.index * venueFxRate(context, priceCurrency, quoteCurrency, options.venue, quoteCurrency, why);
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
