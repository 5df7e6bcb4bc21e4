import type { InstrumentKind } from '../../instruments/instrument-spec.js';
import type { InstrumentTable } from '../../instruments/instrument-table.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { inverseDeltaOnePnl, linearDeltaOnePnl } from '../../pricing/delta-one.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { haircutOf, type AccountParams } from './account-params.js';

/**
 * Premium of one option contract per market snapshot and symbol: equity is evaluated for thousands of accounts on
 * the same snapshot (a live tick), and the value depends on nothing else. Snapshots are immutable; the WeakMap
 * lets a replaced snapshot's cache go with it.
 */
const premiumCache = new WeakMap<MarketSnapshot, Map<string, number>>();

function optionValue(spec: Parameters<typeof priceInstrument>[0], market: MarketSnapshot, field: string): number {
  let bySymbol = premiumCache.get(market);
  if (bySymbol === undefined) {
    bySymbol = new Map();
    premiumCache.set(market, bySymbol);
  }
  // Every field that changes the price is in the key: two accounts may define different specs under one symbol.
  const key = `${spec.symbol}|${spec.kind}|${spec.underlying}|${spec.expiry}|${spec.strike}|${spec.right}|${spec.multiplier}|${spec.settlement}|${spec.currency}`;
  const hit = bySymbol.get(key);
  if (hit !== undefined) return hit;
  const value = priceInstrument(spec, market, field).value;
  bySymbol.set(key, value);
  return value;
}

/** One collateral balance valued in the account currency. */
export interface CollateralLine {
  readonly currency: string;
  /** Balance in units of `currency`. */
  readonly balance: number;
  /** Value of 1 unit of `currency` in the account currency. */
  readonly fxRate: number;
  /** balance × fxRate, account currency, before the haircut. */
  readonly value: number;
  /** Fraction removed (0..1); 0 for the account currency itself. */
  readonly haircut: number;
  /** Amount removed, account currency (≥ 0). */
  readonly haircutAmount: number;
  /** value − haircutAmount, account currency: what the balance counts for in equity. */
  readonly valueAfterHaircut: number;
}

/**
 * How a position enters equity:
 * - `premium`: an option, worth its premium (long positive, short negative);
 * - `holding`: a spot holding, worth quantity × price;
 * - `variation`: a future or perpetual, marked to market into collateral, so worth 0 at the market it was marked at;
 *   against a `base` market (a shifted scenario) it is worth its P&L from the base price to the shifted price.
 */
export type PositionValueBasis = 'premium' | 'holding' | 'variation';

export interface PositionValueLine {
  readonly instrument: string;
  readonly kind: InstrumentKind;
  /** Signed contracts. */
  readonly quantity: number;
  readonly basis: PositionValueBasis;
  /** Value of the position, account currency (gain positive). */
  readonly value: number;
}

/** Equity of an account and where it comes from; every amount in `currency` (the account currency). */
export interface EquityBreakdown {
  readonly currency: string;
  /** Σ collateral balances × fx, before haircuts. */
  readonly collateralValue: number;
  /** Σ haircut amounts (≥ 0): what the haircuts removed. */
  readonly haircutAmount: number;
  /** Σ positions' values (options' premiums, spot holdings, futures' P&L against a base market). */
  readonly positionsValue: number;
  /** collateralValue − haircutAmount + positionsValue. */
  readonly equity: number;
  /** One line per collateral currency, in the portfolio's order. */
  readonly perCurrency: readonly CollateralLine[];
  /** One line per position, in the portfolio's order. */
  readonly positions: readonly PositionValueLine[];
}

export interface AccountEquityOptions {
  /**
   * The market the futures and perpetuals were last marked at. When `market` is a shifted scenario of it (the
   * liquidation-price search), delta-one positions contribute their P&L from the base reference price to the
   * shifted one; without it they contribute 0 (their P&L already sits in collateral).
   */
  readonly base?: MarketSnapshot;
}

/**
 * Equity of an account in its currency (docs/accounts.md "Equity"):
 *
 *   equity = Σ_c balance_c × fx(c → account) × (1 − haircut_c) + Σ_positions value
 *
 * Options are worth premium per contract × quantity × fx(settlement → account); spot holdings quantity × multiplier
 * × price × fx; futures and perpetuals their unrealised P&L from their entry price to today's mark when the position
 * has an entry price, else 0 (marked to market into collateral) unless `options.base` is given.
 * Haircuts only ever remove value from positive balances, so they never raise equity.
 * Errors: the market's (MARKET_UNDERLYING_MISSING, MARKET_FX_MISSING, MARKET_VOL_MISSING, INSTRUMENT_EXPIRED), naming
 * the position's field.
 */
export function accountEquity(
  portfolio: ResolvedPortfolio,
  instruments: InstrumentTable,
  market: MarketSnapshot,
  params: AccountParams,
  options: AccountEquityOptions = {},
): EquityBreakdown {
  const currency = portfolio.currency;
  let collateralValue = 0;
  let haircutAmount = 0;
  const perCurrency: CollateralLine[] = Object.entries(portfolio.collateral).map(([ccy, balance]) => {
    const fxRate = market.fxRate(ccy, currency);
    const value = balance * fxRate;
    const h = haircutOf(params, ccy, currency);
    // A negative balance (a debt) is not haircut: that would make it smaller, i.e. raise equity.
    const cut = Math.max(0, value) * h;
    collateralValue += value;
    haircutAmount += cut;
    return { currency: ccy, balance, fxRate, value, haircut: h, haircutAmount: cut, valueAfterHaircut: value - cut };
  });

  let positionsValue = 0;
  const positions = portfolio.positions.map((p): PositionValueLine => {
    const spec = instruments.spec(p.instrument);
    const field = portfolio.source === undefined ? p.field : `${portfolio.source}: ${p.field}`;
    const fx = market.fxRate(spec.currency, currency);
    let basis: PositionValueBasis;
    let perContract: number; // settlement currency per contract
    if (spec.kind === 'option') {
      basis = 'premium';
      perContract = optionValue(spec, market, field);
    } else if (spec.kind === 'spot') {
      basis = 'holding';
      perContract = spec.multiplier * instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
    } else {
      basis = 'variation';
      perContract = 0;
      // From the entry price when the position has one (unrealised P&L), else from the base market's mark (a shifted
      // scenario of it), else nothing: the P&L is in collateral already.
      const p0 = p.entryPrice ?? (options.base === undefined ? undefined : instrumentMarketInputs(spec, options.base, field, { needVol: false }).reference);
      if (p0 !== undefined) {
        const p1 = instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
        // Inverse P&L is in coin and converts at the shifted market's coin price (fx above): both sides stressed.
        perContract = spec.settlement === 'inverse' ? inverseDeltaOnePnl(spec.multiplier, p0, p1) : linearDeltaOnePnl(spec.multiplier, p0, p1);
      }
    }
    const value = p.quantity * perContract * fx + 0; // + 0 turns −0 into 0 for printing
    positionsValue += value;
    return { instrument: spec.symbol, kind: spec.kind, quantity: p.quantity, basis, value };
  });

  return {
    currency,
    collateralValue,
    haircutAmount,
    positionsValue,
    equity: collateralValue - haircutAmount + positionsValue,
    perCurrency,
    positions,
  };
}

/**
 * Collateral as spot positions, so a margin model can put it into the book and stress it with everything else
 * (DESIGN.md "Collateral is part of the book"): one position per currency, named by the bare currency code (`BTC`,
 * `USDC`), which the instruments layer parses as a spot holding valued in USD.
 *
 * The account currency is left out: its value cannot move in its own terms, so it carries no scenario P&L (a USDC
 * balance of a USD account is kept, since USDC can move against USD). Zero balances are left out too.
 */
export function collateralAsPositions(collateral: Readonly<Record<string, number>>, accountCurrency: string): { instrument: string; quantity: number }[] {
  return Object.entries(collateral)
    .filter(([ccy, balance]) => ccy !== accountCurrency && balance !== 0)
    .map(([ccy, balance]) => ({ instrument: ccy, quantity: balance }));
}
