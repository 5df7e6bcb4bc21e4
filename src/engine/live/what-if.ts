import { toCrossmarginError, type CrossmarginError } from '../../core/errors.js';
import { isDeltaOne, type InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { MarginResult } from '../../models/margin-result.js';
import { entryAfterTrade } from '../../portfolio/entry-after-trade.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import type { ResolvedPortfolio, ResolvedPosition } from '../../portfolio/resolve-portfolio.js';
import { positionsValue, rowsEquity, type EquityMarks } from './account-equities.js';
import type { InstrumentInput, TradeInput } from './apply-trades.js';
import type { LiveBook } from './live-book.js';
import { finiteFigures, type Generation, type RawFigures } from './remargin-accounts.js';

/** `positions.<i>.instrument` for the first positions, made once (a what-if names every position's field). */
const POSITION_FIELDS = Array.from({ length: 64 }, (_, i) => `positions.${i}.instrument`);

function positionField(i: number): string {
  return POSITION_FIELDS[i] ?? `positions.${i}.instrument`;
}

/** What a what-if needs of the engine besides the account. */
export interface WhatIfContext {
  readonly book: LiveBook;
  readonly generation: Generation;
  /** Book id of an instrument input, undefined when the book has never seen it (then the general path runs). */
  readonly instrumentId: (input: InstrumentInput) => number | undefined;
  /** The fill price of a trade (the mark), as applyTrades takes it. */
  readonly fillPrice: (spec: InstrumentSpec) => number | undefined;
  /** The book's equity marks on `market`. */
  readonly marks: EquityMarks;
  /** The explanation will be read: evaluate once, in full, rather than the figures now and the explanation later. */
  readonly explained: boolean;
}

/** A what-if answered from the compiled state: the figures, and what the general path would also give. */
export interface FastWhatIf {
  readonly raw: RawFigures;
  /** Value of the traded quantities at the mark (account currency). */
  readonly tradeValue: number;
  /** P&L the trades realise on futures and perpetuals from their entry prices (account currency; see whatIf). */
  readonly realisedPnl: number;
  /** The positions after the trades, as applyTrades writes them (made when called). */
  readonly positions: () => PortfolioFile['positions'];
  /** Underlyings and currencies the account is exposed to after the trades. */
  readonly exposure: readonly string[];
  /** The full explained result (the model's evaluate on the same rows), made when someone reads it. */
  readonly explain: () => MarginResult;
}

/**
 * A what-if from the live state, without documents (issue 15: ≥ 50,000 per second): the account's compiled rows
 * with the trades applied as applyTrades applies them (same position order, same entry prices at the mark), margined
 * with the latest compiled model and valued as accountEquity values them — the figures the general path gives,
 * without parsing or resolving a document. Undefined when the fast path does not apply (an instrument the compiled
 * model lacks, resting orders, a non-finite position): the caller takes the general path, which names any error.
 */
export function fastWhatIf(slot: number, doc: PortfolioFile, trades: readonly TradeInput[], context: WhatIfContext): FastWhatIf | CrossmarginError | undefined {
  const { book, generation } = context;
  if (doc.openOrders !== undefined && doc.openOrders.length > 0) return undefined;
  const table = generation.table;
  const rows = book.equityRows();
  const start = rows.start[slot]!;
  const n = rows.length[slot]!;
  if (n !== doc.positions.length) return undefined;
  // The positions as rows: book id, quantity, entry price (NaN: none), the document's position (undefined: a trade's).
  const ids: number[] = [];
  const quantities: number[] = [];
  const entries: (number | undefined)[] = [];
  const inputs: InstrumentInput[] = [];
  for (let r = 0; r < n; r++) {
    ids.push(rows.instrument[start + r]!);
    quantities.push(rows.quantity[start + r]!);
    const e = rows.entry[start + r]!;
    entries.push(Number.isNaN(e) ? undefined : e);
    inputs.push(doc.positions[r]!.instrument);
  }
  // The held rows before the trades: a reduction realises the closed part's P&L from its entry (below).
  const heldQuantities = quantities.slice();
  const heldEntries = entries.slice();
  const tradeIds: number[] = [];
  const tradeQuantities: number[] = [];
  for (const t of trades) {
    const id = context.instrumentId(t.instrument);
    if (id === undefined) return undefined;
    const spec = book.instruments.spec(id);
    tradeIds.push(id);
    tradeQuantities.push(t.quantity);
    const deltaOne = isDeltaOne(spec);
    // The mark: the tick's marks hold it for futures and perpetuals (the same inputs fillPrice reads).
    const mark = context.marks.reference[id];
    const price = deltaOne ? (mark !== undefined && Number.isFinite(mark) ? mark : context.fillPrice(spec)) : undefined;
    const at = ids.indexOf(id);
    if (at < 0) {
      ids.push(id);
      quantities.push(t.quantity);
      entries.push(price);
      inputs.push(t.instrument);
      continue;
    }
    entries[at] = deltaOne ? entryAfterTrade(spec.settlement, quantities[at]!, entries[at], t.quantity, price) : undefined;
    quantities[at] = quantities[at]! + t.quantity;
  }
  const positions: ResolvedPosition[] = [];
  const exposure: string[] = [doc.currency];
  for (let r = 0; r < ids.length; r++) {
    const q = quantities[r]!;
    if (q === 0) continue;
    if (!Number.isFinite(q)) return undefined;
    const spec = book.instruments.spec(ids[r]!);
    const local = table.id(spec.symbol);
    if (local === undefined || local >= generation.tableSize) return undefined;
    const entryPrice = entries[r];
    const field = positionField(positions.length);
    positions.push(entryPrice === undefined ? { instrument: local, quantity: q, field, role: 'position' } : { instrument: local, quantity: q, field, role: 'position', entryPrice });
    if (!exposure.includes(spec.underlying)) exposure.push(spec.underlying);
    if (!exposure.includes(spec.currency)) exposure.push(spec.currency);
  }
  for (const ccy in doc.collateral) if (!exposure.includes(ccy)) exposure.push(ccy);
  // The positions after the trades as applyTrades writes them (made when read).
  const after = (): PortfolioFile['positions'] => {
    const out: PortfolioFile['positions'][number][] = [];
    for (let r = 0; r < ids.length; r++) {
      const q = quantities[r]!;
      if (q === 0) continue;
      const entryPrice = entries[r];
      out.push({ instrument: inputs[r]!, quantity: q, ...(entryPrice === undefined ? {} : { entryPrice }) });
    }
    return out;
  };
  const held: ResolvedPortfolio = { account: doc.account, currency: doc.currency, mode: doc.mode, positions, collateral: doc.collateral, source: `account ${doc.account}` };
  let margined: ResolvedPortfolio = held;
  if (book.collateralAsPositions) {
    const collateral: ResolvedPosition[] = [];
    for (const [ccy, amount] of Object.entries(doc.collateral)) {
      if (ccy === doc.currency || amount === 0) continue;
      const local = table.id(ccy);
      if (local === undefined || local >= generation.tableSize) return undefined;
      collateral.push({ instrument: local, quantity: amount, field: `collateral.${ccy}`, role: 'collateral' });
    }
    margined = { ...held, positions: [...positions, ...collateral] };
  }
  try {
    // Equity and the trades' value from the tick's marks (accountEquity's terms, in its order); a figure the market
    // lacks leaves the answer to the general path, which names the error.
    const equity = rowsEquity(book, context.marks, slot, ids, quantities, entries);
    const currency = book.currencyIds()[slot]!;
    const tradeValue = positionsValue(context.marks, currency, tradeIds, tradeQuantities, undefined);
    // Realised P&L: what the traded futures and perpetuals were worth from their entries before the trades, less
    // what they are worth after (filled at the mark, the new part is worth nothing; the closed part's value is the
    // P&L the venue posts to collateral). Options and spot holdings are in tradeValue (premium paid at the mark).
    // Only held rows with an entry price can realise anything: a new row's entry is the mark (worth 0 before and
    // after), and a row without one keeps its P&L in collateral (worth 0 either way).
    let realisedPnl = 0;
    for (let r = 0; r < n; r++) {
      if (heldEntries[r] === undefined || !tradeIds.includes(ids[r]!) || !isDeltaOne(book.instruments.spec(ids[r]!))) continue;
      const before = positionsValue(context.marks, currency, [ids[r]!], [heldQuantities[r]!], [heldEntries[r]]);
      realisedPnl += before - positionsValue(context.marks, currency, [ids[r]!], [quantities[r]!], [entries[r]]);
    }
    if (!Number.isFinite(equity) || !Number.isFinite(tradeValue) || !Number.isFinite(realisedPnl)) return undefined;
    // The figures alone when the model can give them (the explanation is made if someone reads it).
    const compiled = generation.compiled;
    const figures = context.explained ? undefined : compiled.figures?.(margined);
    const result = figures === undefined ? compiled.evaluate(margined) : undefined;
    const margin = figures ?? (result as MarginResult);
    const raw = finiteFigures({ initialMargin: margin.initialMargin, maintenanceMargin: margin.maintenanceMargin, equity, generation, result });
    return { raw, tradeValue, realisedPnl: realisedPnl + 0, positions: after, exposure, explain: () => result ?? compiled.evaluate(margined) };
  } catch (error) {
    return toCrossmarginError(error);
  }
}
