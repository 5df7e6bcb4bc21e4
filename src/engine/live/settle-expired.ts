import { parseIsoInstant } from '../../core/dates.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { inverseDeltaOnePnl, linearDeltaOnePnl } from '../../pricing/delta-one.js';

/** One expired position settled (docs/service.md "Expiry"). */
export interface ExpirySettlement {
  /** The position's instrument as the account names it. */
  readonly instrument: string;
  readonly kind: 'option' | 'future';
  /** Signed contracts settled (the whole position). */
  readonly quantity: number;
  /** The instrument's expiry instant, ISO. */
  readonly expiry: string;
  /** Settlement price: the underlying's index on the first market at or after expiry, quote currency. */
  readonly settlementPrice: number;
  /** Signed cash credited (debited when negative) to the collateral balance in `currency`, units of it. */
  readonly amount: number;
  /** Settlement currency (the coin for inverse contracts). */
  readonly currency: string;
}

/** What settling an account's expired positions gives. */
export type SettleOutcome =
  | { readonly kind: 'settled'; readonly doc: PortfolioFile; readonly settlements: readonly ExpirySettlement[] }
  /** The account has expired positions that cannot be settled automatically (it stays unmarginable). */
  | { readonly kind: 'blocked'; readonly reason: string; readonly field: string };

/** Earliest expiry (epoch ms) among the document's positions; +∞ without dated positions. */
export function nextExpiryMs(doc: PortfolioFile): number {
  let next = Number.POSITIVE_INFINITY;
  doc.positions.forEach((p, i) => {
    const spec = resolveInstrument(p.instrument, `positions.${i}.instrument`);
    if (spec.expiry !== undefined) next = Math.min(next, parseIsoInstant(spec.expiry, `positions.${i}.instrument`));
  });
  return next;
}

/**
 * Cash value per contract of an expired option or future settled at `price` (quote currency):
 * - option: intrinsic value max(0, ±(price − strike)) × multiplier; inverse options pay it in coin (÷ price);
 * - future with an entry price: its P&L from the entry price (delta-one.ts); without one the P&L is taken to be in
 *   the collateral already (docs/accounts.md "Entry price"), so 0.
 */
function settlementPerContract(spec: InstrumentSpec, price: number, entryPrice: number | undefined): number {
  if (spec.kind === 'option') {
    const strike = spec.strike as number;
    const intrinsic = spec.right === 'call' ? Math.max(0, price - strike) : Math.max(0, strike - price);
    return spec.settlement === 'inverse' ? (spec.multiplier * intrinsic) / price : spec.multiplier * intrinsic;
  }
  if (entryPrice === undefined) return 0;
  return spec.settlement === 'inverse' ? inverseDeltaOnePnl(spec.multiplier, entryPrice, price) : linearDeltaOnePnl(spec.multiplier, entryPrice, price);
}

/**
 * Settles every position of `doc` that has expired at `market.asOf` (expiry ≤ asOf): cash-settled at the index of the
 * underlying on `market`, the amount added to the collateral balance of the settlement currency, and the position
 * removed. All or nothing per account: when an index is missing, or a debit exceeds the balance it is taken from
 * (collateral balances are never negative), nothing is settled and the outcome says why. Undefined when nothing has
 * expired.
 */
export function settleExpired(doc: PortfolioFile, market: MarketSnapshot): SettleOutcome | undefined {
  const settlements: ExpirySettlement[] = [];
  const kept: PortfolioFile['positions'] = [];
  const collateral: Record<string, number> = { ...doc.collateral };
  for (const [i, p] of doc.positions.entries()) {
    const field = `positions.${i}.instrument`;
    const spec = resolveInstrument(p.instrument, field);
    if (spec.expiry === undefined || (spec.kind !== 'option' && spec.kind !== 'future') || parseIsoInstant(spec.expiry, field) > market.asOfMs) {
      kept.push(p);
      continue;
    }
    if (!market.has(spec.underlying)) {
      return { kind: 'blocked', reason: `${spec.symbol} expired and cannot be settled: the market has no index for ${spec.underlying}`, field };
    }
    const price = market.underlying(spec.underlying, field).index;
    const amount = p.quantity * settlementPerContract(spec, price, p.entryPrice);
    collateral[spec.currency] = (collateral[spec.currency] ?? 0) + amount;
    settlements.push({ instrument: typeof p.instrument === 'string' ? p.instrument : spec.symbol, kind: spec.kind, quantity: p.quantity, expiry: new Date(parseIsoInstant(spec.expiry, field)).toISOString(), settlementPrice: price, amount, currency: spec.currency });
  }
  if (settlements.length === 0) return undefined;
  for (const [currency, balance] of Object.entries(collateral)) {
    // A debit beyond the balance would need a negative balance (a loan the engine does not model): an operator settles it.
    if (balance < 0) {
      return { kind: 'blocked', reason: `expired positions cannot be settled automatically: the ${currency} balance would become ${balance}`, field: `collateral.${currency}` };
    }
    if (balance === 0) delete collateral[currency];
  }
  return { kind: 'settled', doc: { ...doc, positions: kept, collateral }, settlements };
}
