/**
 * A book in compressed sparse rows (DESIGN.md "books (accounts × positions, CSR)").
 *
 * Row r (an account, or an account's group such as one underlying) holds entries `rowStart[r] .. rowStart[r+1]−1`;
 * entry e is `weight[e]` units of instrument `instrument[e]`. The weight already folds in everything linear —
 * signed quantity and the conversion of the instrument's settlement currency into the row's reporting currency —
 * so the aggregation kernel is a plain sparse multiply-add.
 */
export interface Book {
  readonly rowCount: number;
  /** Length rowCount + 1; rowStart[rowCount] = number of entries. */
  readonly rowStart: Int32Array;
  readonly instrument: Int32Array;
  readonly weight: Float64Array;
}

export interface BookEntry {
  readonly row: number;
  readonly instrument: number;
  readonly weight: number;
}

/**
 * Builds a CSR book from entries in any order (a counting sort by row; entries within a row keep their order).
 * Rows with no entries are allowed and stay empty.
 */
export function buildBook(rowCount: number, entries: readonly BookEntry[]): Book {
  const rowStart = new Int32Array(rowCount + 1);
  for (const e of entries) {
    if (!(e.row >= 0 && e.row < rowCount)) throw new RangeError(`buildBook: row ${e.row} outside 0..${rowCount - 1}`);
    rowStart[e.row + 1]! += 1;
  }
  for (let r = 0; r < rowCount; r++) rowStart[r + 1]! += rowStart[r]!;
  const cursor = rowStart.slice(0, rowCount);
  const instrument = new Int32Array(entries.length);
  const weight = new Float64Array(entries.length);
  for (const e of entries) {
    const at = cursor[e.row]!++;
    instrument[at] = e.instrument;
    weight[at] = e.weight;
  }
  return { rowCount, rowStart, instrument, weight };
}
