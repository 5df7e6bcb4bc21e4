import type { GroupedBatch } from '../../models/margin-model.js';
import type { Book } from '../../portfolio/book.js';
import type { CompileTable, LiveBook } from './live-book.js';

/** Shared-memory buffers of gatherGrouped, kept by the caller between ticks (grown on demand). */
export interface GroupedGatherBuffers {
  rowStart: Int32Array;
  instrument: Int32Array;
  weight: Float64Array;
  accountRowStart: Int32Array;
  /** Settlement → account currency rate by (account currency id, compile-table id); NaN: not looked up yet. */
  rates: Float64Array;
  /** One account's row of each position, and its first-seen groups. */
  rowOf: Int32Array;
  groups: Int32Array;
}

export function groupedGatherBuffers(): GroupedGatherBuffers {
  return {
    rowStart: new Int32Array(new SharedArrayBuffer(4)),
    instrument: new Int32Array(new SharedArrayBuffer(0)),
    weight: new Float64Array(new SharedArrayBuffer(0)),
    accountRowStart: new Int32Array(1),
    rates: new Float64Array(0),
    rowOf: new Int32Array(16),
    groups: new Int32Array(16),
  };
}

/** Grouped rows of gathered accounts: account k's rows are accountRowStart[k] .. accountRowStart[k+1]−1 of `rows`. */
export interface GroupedGather {
  readonly rows: Book;
  readonly accountRowStart: Int32Array;
}

/**
 * The margin rows of `slots[0..count)` (account k = slots[k]) copied straight into a model's grouped rows (issue 15):
 * the rows, order and weights groupAccountBook makes of the book `LiveBook.gather` would give — a cross account's
 * positions in the row of their instrument's group (first-seen order, position order within a row), an isolated
 * account's one row each, weight = quantity × the model's rate computed as positionRates computes it — so
 * `grouping.evaluateRows` gives the batch path's figures bit for bit, without a second pass over the book to group
 * it. Every row's instrument must be in `map` (`LiveBook.covered`). Writes into `buffers` (grown on demand, shared
 * memory for the batch threads): the result is valid until the next call with them. Throws what `grouping.rate`
 * throws (a currency the market cannot convert).
 */
export function gatherGrouped(book: LiveBook, slots: Int32Array, count: number, map: CompileTable, grouping: GroupedBatch, buffers: GroupedGatherBuffers): GroupedGather {
  const { start, length, instrument: mi, quantity: mq } = book.marginRows();
  const currencyOf = book.currencyIds();
  const isolated = book.isolatedFlags();
  let entries = 0;
  let widest = 0;
  for (let k = 0; k < count; k++) {
    const n = length[slots[k]!]!;
    entries += n;
    if (n > widest) widest = n;
  }
  const b = ensure(buffers, count, entries, widest, book.currencies.names.length * map.globalOf.length);
  const { rowStart, instrument, weight, accountRowStart, rates, rowOf, groups } = b;
  const instruments = map.globalOf.length;
  const names = book.currencies.names;
  const localOf = map.localOf;
  const identity = map.identity;
  const groupOf = grouping.instrumentGroup;
  let row = 0;
  let at = 0;
  for (let k = 0; k < count; k++) {
    const s = slots[k]!;
    accountRowStart[k] = row;
    const from = start[s]!;
    const n = length[s]!;
    const ccy = currencyOf[s]!;
    const cross = isolated[s] !== 1;
    // A cross account's groups in first-seen order, and each position's row among them (isolated: row j = position j).
    let seen = n;
    if (cross) {
      seen = 0;
      for (let j = 0; j < n; j++) {
        const i = mi[from + j]!;
        const g = groupOf[identity ? i : localOf[i]!]!;
        let r = 0;
        while (r < seen && groups[r] !== g) r++;
        if (r === seen) groups[seen++] = g;
        rowOf[j] = r;
      }
    }
    for (let r = 0; r < seen; r++) {
      rowStart[row++] = at;
      for (let j = 0; j < n; j++) {
        if (cross ? rowOf[j] !== r : j !== r) continue;
        const i = mi[from + j]!;
        const local = identity ? i : localOf[i]!;
        const cell = ccy * instruments + local;
        let rate = rates[cell]!;
        if (Number.isNaN(rate)) {
          rate = grouping.rate(local, names[ccy]!);
          rates[cell] = rate;
        }
        instrument[at] = local;
        weight[at] = mq[from + j]! * rate;
        at++;
      }
    }
  }
  accountRowStart[count] = row;
  rowStart[row] = at;
  return {
    rows: { rowCount: row, rowStart: rowStart.subarray(0, row + 1), instrument: instrument.subarray(0, at), weight: weight.subarray(0, at) },
    accountRowStart: accountRowStart.subarray(0, count + 1),
  };
}

/** `buffers` grown to hold `accounts` accounts and `entries` rows (of at most `widest` per account); rates reset. */
function ensure(buffers: GroupedGatherBuffers, accounts: number, entries: number, widest: number, rateCells: number): GroupedGatherBuffers {
  // Rows never outnumber entries (a row holds at least one position).
  if (buffers.instrument.length < entries) {
    const e = Math.max(entries, 2 * buffers.instrument.length);
    buffers.rowStart = new Int32Array(new SharedArrayBuffer((e + 1) * 4));
    buffers.instrument = new Int32Array(new SharedArrayBuffer(e * 4));
    buffers.weight = new Float64Array(new SharedArrayBuffer(e * 8));
  }
  if (buffers.accountRowStart.length < accounts + 1) buffers.accountRowStart = new Int32Array(Math.max(accounts + 1, 2 * buffers.accountRowStart.length));
  if (buffers.rowOf.length < widest) {
    buffers.rowOf = new Int32Array(Math.max(widest, 2 * buffers.rowOf.length));
    buffers.groups = new Int32Array(buffers.rowOf.length);
  }
  // Rates belong to one market and compile table: looked up afresh on every call.
  if (buffers.rates.length < rateCells) buffers.rates = new Float64Array(Math.max(rateCells, 2 * buffers.rates.length));
  buffers.rates.fill(Number.NaN, 0, rateCells);
  return buffers;
}
