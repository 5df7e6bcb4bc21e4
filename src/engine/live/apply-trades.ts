import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import { isDeltaOne, type InstrumentSpec } from '../../instruments/instrument-spec.js';
import { entryAfterTrade } from '../../portfolio/entry-after-trade.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';

/** An instrument as a portfolio position names it: a venue-style name or a full spec object. */
export type InstrumentInput = PortfolioFile['positions'][number]['instrument'];

/** One trade: signed contracts, buy positive (the same unit as a position's quantity). */
export interface TradeInput {
  readonly instrument: InstrumentInput;
  readonly quantity: number;
}

/** Symbol of an instrument input (its canonical name), so `BTC-PERPETUAL` and its full spec match one position. */
export function instrumentSymbol(input: InstrumentInput, field: string): string {
  return resolveSpec(input, field).symbol;
}

function resolveSpec(input: InstrumentInput, field: string): InstrumentSpec {
  return resolveInstrument(input, field);
}

/** Signed position the portfolio holds in `symbol` (0 when none). */
export function positionOf(doc: PortfolioFile, symbol: string): number {
  let total = 0;
  doc.positions.forEach((p, i) => {
    if (instrumentSymbol(p.instrument, `positions.${i}.instrument`) === symbol) total += p.quantity;
  });
  return total;
}

/**
 * P&L `trades` realise on futures and perpetuals held at an entry price, filled at the mark (the what-ifs'
 * `realisedPnl`): what the traded ones were worth from their entries before the trades, less what they are worth
 * after, each side valued by `value` (the positions' value of a document, account currency). The new part of a
 * position is filled at the mark and worth nothing; the closed part's value is what the venue posts to collateral.
 */
export function realisedPnl(before: PortfolioFile, after: PortfolioFile, trades: readonly TradeInput[], value: (doc: PortfolioFile) => number): number {
  const traded = new Set(trades.map((t, i) => resolveSpec(t.instrument, `trades.${i}.instrument`)).filter(isDeltaOne).map((spec) => spec.symbol));
  if (traded.size === 0) return 0;
  const rows = (d: PortfolioFile): PortfolioFile => ({ ...d, positions: d.positions.filter((p, i) => traded.has(instrumentSymbol(p.instrument, `positions.${i}.instrument`))), collateral: {} });
  return value(rows(before)) - value(rows(after)) + 0;
}

/** The price a trade fills at (the instrument's mark), undefined when unknown. */
export type FillPrice = (spec: InstrumentSpec) => number | undefined;

/**
 * The portfolio after `trades`, as a new document (the input is not touched). A trade adds its quantity to the
 * position of the same symbol (first match), or appends a new position; a position that reaches exactly 0 is
 * removed. Futures and perpetuals carry their average entry price through (entryAfterTrade) at the fill price
 * `fillPrice` gives, so equity's unrealised P&L stays right. Bad instruments throw the instruments layer's errors
 * naming `trades.<i>.instrument`.
 */
export function applyTrades(doc: PortfolioFile, trades: readonly TradeInput[], fillPrice: FillPrice = () => undefined): PortfolioFile {
  const positions = doc.positions.map((p, i) => ({ ...p, spec: resolveSpec(p.instrument, `positions.${i}.instrument`) }));
  trades.forEach((t, i) => {
    const spec = resolveSpec(t.instrument, `trades.${i}.instrument`);
    const deltaOne = isDeltaOne(spec);
    const price = deltaOne ? fillPrice(spec) : undefined;
    const existing = positions.find((p) => p.spec.symbol === spec.symbol);
    if (existing === undefined) {
      positions.push({ instrument: t.instrument, quantity: t.quantity, spec, ...(price === undefined ? {} : { entryPrice: price }) });
      return;
    }
    const entry = deltaOne ? entryAfterTrade(spec.settlement, existing.quantity, existing.entryPrice, t.quantity, price) : undefined;
    existing.quantity += t.quantity;
    if (entry === undefined) delete existing.entryPrice;
    else existing.entryPrice = entry;
  });
  return {
    ...doc,
    positions: positions
      .filter((p) => p.quantity !== 0)
      .map(({ instrument, quantity, entryPrice }) => ({ instrument, quantity, ...(entryPrice === undefined ? {} : { entryPrice }) })),
  };
}

/**
 * Keys an account is exposed to: each position's underlying and settlement currency, each collateral currency and
 * the account currency. A market update that changes the index of, or the fx rate of, one of these keys can change
 * the account's margin or equity; nothing else can (asOf alone is not a change, see docs/live-engine.md).
 */
export function exposureKeys(doc: PortfolioFile): string[] {
  const keys = new Set<string>([doc.currency]);
  doc.positions.forEach((p, i) => {
    const spec = resolveSpec(p.instrument, `positions.${i}.instrument`);
    keys.add(spec.underlying);
    keys.add(spec.currency);
  });
  for (const ccy of Object.keys(doc.collateral)) keys.add(ccy);
  return [...keys];
}
