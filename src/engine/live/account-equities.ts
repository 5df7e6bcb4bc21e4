import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { inverseDeltaOnePnl, linearDeltaOnePnl } from '../../pricing/delta-one.js';
import { instrumentMarketInputs } from '../../pricing/instrument-inputs.js';
import { priceInstrument } from '../../pricing/instrument-pricer.js';
import { haircutOf, type AccountParams } from '../account/account-params.js';
import type { CashRows, LiveBook } from './live-book.js';

/** How an instrument enters equity (accountEquity's bases), as a code the kernel branches on. */
const PREMIUM = 0;
const HOLDING = 1;
const VARIATION = 2;

/**
 * What equity needs of the market, per instrument and currency pair, computed once per tick (not once per position):
 * `value[i]` is an option's premium or a spot holding's price per contract (settlement currency), `reference[i]` a
 * future's or perpetual's mark (for positions with an entry price); `fx[c * n + a]` converts currency c into account
 * currency a and `haircut[c * n + a]` is the haircut applied. A figure the market cannot give is NaN: the accounts
 * that need it go to the per-account path, which names the error.
 */
export interface EquityMarks {
  readonly basis: Uint8Array;
  readonly value: Float64Array;
  readonly reference: Float64Array;
  readonly inverse: Uint8Array;
  readonly multiplier: Float64Array;
  /** Currency id (the book's NameTable) of each instrument's settlement currency. */
  readonly currency: Int32Array;
  readonly fx: Float64Array;
  readonly haircut: Float64Array;
  readonly currencies: number;
}

/** Marks of every instrument of the book on `market` (docs/accounts.md "Equity": the same figures accountEquity uses). */
export function equityMarks(book: LiveBook, market: MarketSnapshot, params: AccountParams): EquityMarks {
  const specs = book.instruments.specs();
  const n = specs.length;
  const basis = new Uint8Array(n);
  const value = new Float64Array(n);
  const reference = new Float64Array(n);
  const inverse = new Uint8Array(n);
  const multiplier = new Float64Array(n);
  const currency = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const spec = specs[i]!;
    currency[i] = book.currencies.id(spec.currency);
    multiplier[i] = spec.multiplier;
    inverse[i] = spec.settlement === 'inverse' ? 1 : 0;
    basis[i] = spec.kind === 'option' ? PREMIUM : spec.kind === 'spot' ? HOLDING : VARIATION;
    value[i] = Number.NaN;
    reference[i] = Number.NaN;
    try {
      if (spec.kind === 'option') value[i] = priceInstrument(spec, market, 'instrument').value;
      else if (spec.kind === 'spot') value[i] = spec.multiplier * instrumentMarketInputs(spec, market, 'instrument', { needVol: false }).reference;
      else if (market.has(spec.underlying)) reference[i] = instrumentMarketInputs(spec, market, 'instrument', { needVol: false }).reference;
    } catch {
      // Left NaN: an account holding it is evaluated on its own, which gives the coded error with its field.
    }
  }
  const names = book.currencies.names;
  const c = names.length;
  const fx = new Float64Array(c * c);
  const haircut = new Float64Array(c * c);
  for (let from = 0; from < c; from++) {
    for (let to = 0; to < c; to++) {
      let rate = Number.NaN;
      try {
        rate = market.fxRate(names[from]!, names[to]!);
      } catch {
        // NaN: as above.
      }
      fx[from * c + to] = rate;
      haircut[from * c + to] = haircutOf(params, names[from]!, names[to]!);
    }
  }
  return { basis, value, reference, inverse, multiplier, currency, fx, haircut, currencies: c };
}

/**
 * Equity of each slot in `slots[0..count)` into `out[k]` (account currency), bit for bit what accountEquity gives:
 * the same terms summed in the same order, Σ collateral − Σ haircuts + Σ positions. NaN when a figure it needs is
 * missing from the market. Allocates nothing.
 */
export function accountEquities(book: LiveBook, marks: EquityMarks, slots: Int32Array, count: number, out: Float64Array): void {
  // Every array in a local: the loop runs once per account per tick (100,000 accounts: a few milliseconds).
  const { start: cashStart, length: cashLength, currency: cashCurrency, balance } = book.cashRows();
  const { start: rowStart, length: rowLength, instrument, quantity, entry } = book.equityRows();
  const accountCurrency = book.currencyIds();
  const { fx, haircut, currencies, basis, value: premium, reference, inverse, multiplier, currency: settlement } = marks;
  for (let k = 0; k < count; k++) {
    const s = slots[k]!;
    const a = accountCurrency[s]!;
    // accountEquity: Σ balance × fx, Σ haircuts (never on a debt), then Σ positions, in that order.
    let collateralValue = 0;
    let haircutAmount = 0;
    for (let r = cashStart[s]!, end = r + cashLength[s]!; r < end; r++) {
      const pair = cashCurrency[r]! * currencies + a;
      const v = balance[r]! * fx[pair]!;
      collateralValue += v;
      haircutAmount += Math.max(0, v) * haircut[pair]!;
    }
    let positionsValue = 0;
    for (let r = rowStart[s]!, end = r + rowLength[s]!; r < end; r++) {
      const i = instrument[r]!;
      let perContract = premium[i]!;
      if (basis[i] === VARIATION) {
        const p0 = entry[r]!;
        perContract = Number.isNaN(p0) ? 0 : inverse[i] === 1 ? inverseDeltaOnePnl(multiplier[i]!, p0, reference[i]!) : linearDeltaOnePnl(multiplier[i]!, p0, reference[i]!);
      }
      positionsValue += quantity[r]! * perContract * fx[settlement[i]! * currencies + a]! + 0;
    }
    out[k] = collateralValue - haircutAmount + positionsValue;
  }
}

/**
 * accountEquities for one account whose positions are given as rows (book instrument ids, signed quantities, entry
 * prices or undefined) instead of its slot's rows — a what-if's positions after the trades — with the slot's
 * collateral balances. The same terms in the same order, so the same bits. NaN when a figure is missing.
 */
export function rowsEquity(book: LiveBook, marks: EquityMarks, slot: number, ids: readonly number[], quantities: readonly number[], entries: readonly (number | undefined)[]): number {
  const a = book.currencyIds()[slot]!;
  collateralTerms(book.cashRows(), marks, slot, a, TERMS);
  return TERMS[0]! - TERMS[1]! + positionsValue(marks, a, ids, quantities, entries);
}

/** Σ positions' values (accountEquity's positionsValue) of rows, account currency id `a` (entries undefined: none). */
export function positionsValue(marks: EquityMarks, a: number, ids: readonly number[], quantities: readonly number[], entries: readonly (number | undefined)[] | undefined): number {
  const { fx, currencies } = marks;
  let value = 0;
  for (let r = 0; r < ids.length; r++) {
    const q = quantities[r]!;
    if (q === 0) continue;
    const i = ids[r]!;
    const rate = fx[marks.currency[i]! * currencies + a]!;
    value += q * perContractValue(marks, i, entries?.[r]) * rate + 0;
  }
  return value;
}

/**
 * Value of one long contract of instrument i in equity, settlement currency (accountEquity's bases): an option's
 * premium, a spot holding's price, a future's or perpetual's P&L from its entry price `p0` to the mark (0 without one).
 */
function perContractValue(marks: EquityMarks, i: number, p0: number | undefined): number {
  if (marks.basis[i] !== VARIATION) return marks.value[i]!;
  if (p0 === undefined) return 0;
  const p1 = marks.reference[i]!;
  return marks.inverse[i] === 1 ? inverseDeltaOnePnl(marks.multiplier[i]!, p0, p1) : linearDeltaOnePnl(marks.multiplier[i]!, p0, p1);
}

/** [Σ balance × fx, Σ haircut amounts] of the collateral terms below; reused (the kernels allocate nothing). */
const TERMS = new Float64Array(2);

/**
 * The collateral side of accountEquity for slot s in account currency a, into `out`: out[0] = Σ balance × fx,
 * out[1] = Σ haircut amounts, in the balances' order. A negative balance (a debt) is not haircut.
 */
function collateralTerms(cash: CashRows, marks: EquityMarks, s: number, a: number, out: Float64Array): void {
  const { fx, haircut, currencies } = marks;
  let collateralValue = 0;
  let haircutAmount = 0;
  const c1 = cash.start[s]! + cash.length[s]!;
  for (let r = cash.start[s]!; r < c1; r++) {
    const ccy = cash.currency[r]!;
    const value = cash.balance[r]! * fx[ccy * currencies + a]!;
    collateralValue += value;
    haircutAmount += Math.max(0, value) * haircut[ccy * currencies + a]!;
  }
  out[0] = collateralValue;
  out[1] = haircutAmount;
}
