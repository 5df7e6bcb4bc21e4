import type { AccountBook } from '../portfolio/account-book.js';
import type { Book } from '../portfolio/book.js';
import { aggregateTailMeasuresParallel, type KernelRun } from '../risk/kernel-pool.js';
import type { BatchOptions, ModelContext } from './margin-model.js';
import type { ScenarioMatrix } from './scenario-pipeline.js';

/**
 * The batch path's rows (issue 14): a whole AccountBook grouped the way a scenario model groups one account's
 * positions (by underlying, combined commodity, class, or each position alone), as one CSR book of
 * (account, group) rows. An account's rows are consecutive and in first-seen group order, and a row's entries
 * keep position order — exactly the rows and sums aggregatePortfolio makes for that account alone, so the batch
 * figures equal the per-account ones bit for bit.
 */
export interface GroupedAccountBook {
  /** Rows of every account; weights = quantity × rate into the account currency. */
  readonly book: Book;
  /** Account a's rows are accountRowStart[a] .. accountRowStart[a+1]−1. */
  readonly accountRowStart: Int32Array;
  /** The model's group id of each row. */
  readonly rowGroup: Int32Array;
  /** Position (index into the AccountBook's arrays) of each entry of `book`. */
  readonly position: Int32Array;
}

/**
 * Settlement → account currency rate of each position (what aggregatePortfolio folds into the weights), looked up
 * once per (account currency, instrument) pair met. `rateOf` overrides the default fx rate of today's market.
 */
export function positionRates(context: ModelContext, book: AccountBook, rateOf?: (instrument: number, currency: string) => number): Float64Array {
  const instruments = context.instruments.size;
  const cache = new Float64Array(book.currencyNames.length * instruments).fill(Number.NaN);
  const rates = new Float64Array(book.quantity.length);
  const rate = rateOf ?? ((i: number, ccy: string) => context.market.fxRate(context.instruments.spec(i).currency, ccy));
  for (let a = 0; a < book.accountCount; a++) {
    const base = book.currency[a]! * instruments;
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) {
      const i = book.instrument[e]!;
      let r = cache[base + i]!;
      if (Number.isNaN(r)) {
        r = rate(i, book.currencyNames[book.currency[a]!]!);
        cache[base + i] = r;
      }
      rates[e] = r;
    }
  }
  return rates;
}

/**
 * Groups every account's positions into rows: `groupOf(a, e)` is the group id (≥ 0) of position e of account a, or
 * −1 to leave the position out of every row (collateral of an isolated account). Groups are numbered by the
 * model; within an account, rows are made in first-seen order. `rates` as positionRates.
 */
export function groupAccountBook(book: AccountBook, rates: Float64Array, groupOf: (a: number, e: number) => number): GroupedAccountBook {
  const positions = book.quantity.length;
  const groupOfPosition = new Int32Array(positions);
  let groups = 0;
  for (let a = 0; a < book.accountCount; a++) {
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) {
      const g = groupOf(a, e);
      groupOfPosition[e] = g;
      if (g >= groups) groups = g + 1;
    }
  }
  // Pass 1: rows per account (first-seen groups), entries per row.
  const localRow = new Int32Array(groups).fill(-1);
  const accountRowStart = new Int32Array(book.accountCount + 1);
  const rowGroupList: number[] = [];
  const rowOfPosition = new Int32Array(positions).fill(-1);
  for (let a = 0; a < book.accountCount; a++) {
    const first = rowGroupList.length;
    accountRowStart[a] = first;
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) {
      const g = groupOfPosition[e]!;
      if (g < 0) continue;
      if (localRow[g]! < 0) {
        localRow[g] = rowGroupList.length;
        rowGroupList.push(g);
      }
      rowOfPosition[e] = localRow[g]!;
    }
    for (let r = first; r < rowGroupList.length; r++) localRow[rowGroupList[r]!] = -1;
  }
  const rows = rowGroupList.length;
  accountRowStart[book.accountCount] = rows;
  // Pass 2: a counting sort of positions by row, keeping position order within a row.
  const rowStart = new Int32Array(new SharedArrayBuffer((rows + 1) * 4));
  for (let e = 0; e < positions; e++) if (rowOfPosition[e]! >= 0) rowStart[rowOfPosition[e]! + 1]! += 1;
  for (let r = 0; r < rows; r++) rowStart[r + 1]! += rowStart[r]!;
  const entries = rowStart[rows]!;
  const instrument = new Int32Array(new SharedArrayBuffer(entries * 4));
  const weight = new Float64Array(new SharedArrayBuffer(entries * 8));
  const position = new Int32Array(entries);
  const cursor = rowStart.slice(0, rows);
  for (let e = 0; e < positions; e++) {
    const r = rowOfPosition[e]!;
    if (r < 0) continue;
    const at = cursor[r]!++;
    instrument[at] = book.instrument[e]!;
    weight[at] = book.quantity[e]! * rates[e]!;
    position[at] = e;
  }
  return { book: { rowCount: rows, rowStart, instrument, weight }, accountRowStart, rowGroup: Int32Array.from(rowGroupList), position };
}

/**
 * One row per kept account (the whole account: the VaR family's cross rows), as groupAccountBook with
 * `groupOf = keep(a) ? 0 : −1`. When every account is kept the book's own row starts and instruments are the rows'
 * (no counting sort: on 100,000 × 20 positions that is most of the grouping's time).
 */
export function accountRows(book: AccountBook, rates: Float64Array, keep: (a: number) => boolean): GroupedAccountBook {
  for (let a = 0; a < book.accountCount; a++) if (!keep(a)) return groupAccountBook(book, rates, (x) => (keep(x) ? 0 : -1));
  const positions = book.quantity.length;
  const weight = new Float64Array(new SharedArrayBuffer(positions * 8));
  for (let e = 0; e < positions; e++) weight[e] = book.quantity[e]! * rates[e]!;
  // Plain loops: Int32Array.from with a map function goes through the iterator protocol, tens of ms at 100,000
  // accounts on every tick (issue 15).
  const accountRowStart = new Int32Array(book.accountCount + 1);
  for (let a = 0; a <= book.accountCount; a++) accountRowStart[a] = a;
  const position = new Int32Array(positions);
  for (let e = 0; e < positions; e++) position[e] = e;
  return {
    book: { rowCount: book.accountCount, rowStart: book.rowStart, instrument: book.instrument, weight },
    accountRowStart,
    rowGroup: new Int32Array(book.accountCount),
    position,
  };
}

/** [worst, VaR, ES] at `alpha` of every row of a grouped book against a scenario matrix, on the batch threads. */
export function measureRows(rows: Book, matrix: ScenarioMatrix, alpha: number, options: BatchOptions): KernelRun {
  return aggregateTailMeasuresParallel(rows, matrix.pnl, matrix.set.count, alpha, alpha, options);
}
