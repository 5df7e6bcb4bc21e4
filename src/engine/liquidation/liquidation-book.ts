import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { InstrumentTable } from '../../instruments/instrument-table.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { inverseDeltaOnePnl } from '../../pricing/delta-one.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import type { ResolvedPortfolio, ResolvedPosition } from '../../portfolio/resolve-portfolio.js';

/** One net position being liquidated (positions of one instrument are netted first: a venue holds one per instrument). */
export interface WorkingPosition {
  readonly instrument: number;
  readonly spec: InstrumentSpec;
  readonly field: string;
  /** The resolved position's role (a book position, or collateral held as one). */
  readonly role: ResolvedPosition['role'];
  /** Signed contracts at the start of liquidation (the increment is a share of it). */
  readonly initial: number;
  /** Signed contracts still held. */
  quantity: number;
  /** Mark price used for the close: reference price (delta-one, spot) or premium per contract (options), settlement currency. */
  readonly mark: number;
}

/** The book during liquidation: net positions and collateral balances (units of each currency). */
export interface WorkingBook {
  readonly positions: WorkingPosition[];
  readonly collateral: Record<string, number>;
}

/**
 * Nets the portfolio's positions by instrument, in first-seen order, and reads each one's mark from the snapshot
 * (the market does not move during liquidation). Errors are the market's, naming the position's field.
 */
export function workingBook(portfolio: ResolvedPortfolio, instruments: InstrumentTable, market: MarketSnapshot): WorkingBook {
  const byId = new Map<number, { p: ResolvedPosition; quantity: number }>();
  for (const p of portfolio.positions) {
    const seen = byId.get(p.instrument);
    if (seen === undefined) byId.set(p.instrument, { p, quantity: p.quantity });
    else seen.quantity += p.quantity;
  }
  const positions = [...byId.values()]
    .filter((e) => e.quantity !== 0)
    .map(({ p, quantity }): WorkingPosition => {
      const spec = instruments.spec(p.instrument);
      const field = portfolio.source === undefined ? p.field : `${portfolio.source}: ${p.field}`;
      const mark = spec.kind === 'option' ? priceInstrument(spec, market, field).value : instrumentMarketInputs(spec, market, field, { needVol: false }).reference;
      return { instrument: p.instrument, spec, field, role: p.role, initial: quantity, quantity, mark };
    });
  return { positions, collateral: { ...portfolio.collateral } };
}

/** The portfolio a model evaluates for the current working book (closed positions dropped). */
export function bookPortfolio(portfolio: ResolvedPortfolio, book: WorkingBook): ResolvedPortfolio {
  // Resting orders are not part of a liquidation (venues cancel them first), so they are dropped.
  return {
    account: portfolio.account,
    currency: portfolio.currency,
    mode: portfolio.mode,
    source: portfolio.source,
    positions: book.positions.filter((p) => p.quantity !== 0).map((p) => ({ instrument: p.instrument, quantity: p.quantity, field: p.field, role: p.role })),
    collateral: { ...book.collateral },
  };
}

/**
 * Account value in the account currency, the equity the rule conserves: Σ collateral × fx + Σ option premiums × q +
 * Σ spot holdings at their price. Futures and perpetuals count 0: the book is marked to market, their P&L since entry
 * already sits in collateral (the convention of docs/accounts.md "Equity", without haircuts).
 */
export function bookValue(book: WorkingBook, market: MarketSnapshot, currency: string): number {
  let value = 0;
  for (const [ccy, balance] of Object.entries(book.collateral)) if (balance !== 0) value += balance * market.fxRate(ccy, currency);
  for (const p of book.positions) value += p.quantity * positionValuePerContract(p) * market.fxRate(p.spec.currency, currency);
  return value;
}

/** Value of one contract held, settlement currency: option premium, spot price × multiplier, delta-one 0 (marked). */
function positionValuePerContract(p: WorkingPosition): number {
  if (p.spec.kind === 'option') return p.mark;
  if (p.spec.kind === 'spot') return p.mark * p.spec.multiplier;
  return 0;
}

/** What closing `closed` contracts (same sign as the position) at `adjust` against the holder does, settlement currency. */
export interface CloseFill {
  /** Execution price: reference price for delta-one and spot, premium per contract for options. */
  readonly price: number;
  /** P&L of the close relative to the mark (≤ 0: only the price concession), settlement currency. */
  readonly realisedPnl: number;
  /** Cash into collateral (settlement currency): the realised P&L for delta-one, the sale proceeds for options and spot. */
  readonly cashFlow: number;
  /** Notional of the closed quantity, settlement currency, the penalty base. */
  readonly notional: number;
}

/**
 * Fill of a close at mark × (1 − sign(q) × adjust): a long sells below the mark, a short buys back above it.
 * Inverse delta-one P&L is q·M·(1/p − 1/p′) in coin (pricing/delta-one.ts); options are priced per contract.
 */
export function closeFill(p: WorkingPosition, closed: number, adjust: number, market: MarketSnapshot): CloseFill {
  const s = Math.sign(closed);
  const M = p.spec.multiplier;
  if (p.spec.kind === 'option') {
    const price = p.mark * (1 - s * adjust);
    // Notional: coins of underlying (inverse options settle in the coin), or their value in the settlement currency.
    const coins = Math.abs(closed) * M;
    const notional = p.spec.settlement === 'inverse' ? coins : coins * market.fxRate(p.spec.underlying, p.spec.currency);
    return { price, realisedPnl: closed * (price - p.mark), cashFlow: closed * price, notional };
  }
  const price = p.mark * (1 - s * adjust);
  if (p.spec.kind === 'spot') {
    return { price, realisedPnl: closed * M * (price - p.mark), cashFlow: closed * M * price, notional: Math.abs(closed) * M * p.mark };
  }
  if (p.spec.settlement === 'inverse') {
    const realisedPnl = inverseDeltaOnePnl(closed * M, p.mark, price);
    return { price, realisedPnl, cashFlow: realisedPnl, notional: (Math.abs(closed) * M) / p.mark };
  }
  const realisedPnl = closed * M * (price - p.mark);
  return { price, realisedPnl, cashFlow: realisedPnl, notional: Math.abs(closed) * M * p.mark };
}
