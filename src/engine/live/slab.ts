/**
 * Variable-length rows of parallel typed-array columns, addressed by slot (an account's place in the live book):
 * slot s owns `length(s)` consecutive elements from `start(s)`. Replacing a slot's row appends the new row at the end
 * and leaves the old one dead; once dead elements outnumber live ones the slab compacts (one pass, slot order).
 * Appends are amortised O(1) by doubling. Rows are read straight from the columns (no copy, no allocation).
 */
export type ColumnKind = 'i32' | 'f64' | 'u8';
type Column = Int32Array | Float64Array | Uint8Array;

function makeColumn(kind: ColumnKind, length: number): Column {
  if (kind === 'i32') return new Int32Array(length);
  if (kind === 'f64') return new Float64Array(length);
  return new Uint8Array(length);
}

export class Slab<K extends string> {
  private readonly kinds: Readonly<Record<K, ColumnKind>>;
  private cols: Record<K, Column>;
  private rowStart = new Int32Array(16);
  private rowLength = new Int32Array(16);
  private used = 0;
  private live = 0;

  constructor(kinds: Readonly<Record<K, ColumnKind>>, capacity = 64) {
    this.kinds = kinds;
    this.cols = this.allocate(Math.max(16, capacity));
  }

  /** Column `name` (valid until the next write: writes may grow or compact the arrays). */
  column<T extends Column>(name: K): T {
    return this.cols[name] as T;
  }

  /** Row starts by slot (valid until the next write). */
  starts(): Int32Array {
    return this.rowStart;
  }

  /** Row lengths by slot; slots beyond the array have none (valid until the next write). */
  lengths(): Int32Array {
    return this.rowLength;
  }

  start(slot: number): number {
    return this.rowStart[slot]!;
  }

  length(slot: number): number {
    return slot < this.rowLength.length ? this.rowLength[slot]! : 0;
  }

  /** Places a row of `length` elements for `slot` (its previous row becomes dead); returns its start. */
  place(slot: number, length: number): number {
    this.ensureSlot(slot);
    this.live -= this.rowLength[slot]!;
    if (this.used + length > this.capacity()) {
      if (this.used - this.live > this.live + length) this.compact(slot);
      if (this.used + length > this.capacity()) this.grow(Math.max(2 * this.capacity(), this.used + length));
    }
    const at = this.used;
    this.rowStart[slot] = at;
    this.rowLength[slot] = length;
    this.used += length;
    this.live += length;
    return at;
  }

  /** Frees the slot's row. */
  clear(slot: number): void {
    if (slot >= this.rowLength.length) return;
    this.live -= this.rowLength[slot]!;
    this.rowLength[slot] = 0;
  }

  /** Elements in use, live and dead (for tests and memory reports). */
  stats(): { readonly used: number; readonly live: number; readonly capacity: number } {
    return { used: this.used, live: this.live, capacity: this.capacity() };
  }

  private capacity(): number {
    const first = Object.values<Column>(this.cols)[0];
    return first === undefined ? 0 : first.length;
  }

  private allocate(length: number): Record<K, Column> {
    const cols = {} as Record<K, Column>;
    for (const name of Object.keys(this.kinds) as K[]) cols[name] = makeColumn(this.kinds[name], length);
    return cols;
  }

  private ensureSlot(slot: number): void {
    if (slot < this.rowStart.length) return;
    const n = Math.max(slot + 1, 2 * this.rowStart.length);
    const s = new Int32Array(n);
    s.set(this.rowStart);
    const l = new Int32Array(n);
    l.set(this.rowLength);
    this.rowStart = s;
    this.rowLength = l;
  }

  private grow(length: number): void {
    const cols = this.allocate(length);
    for (const name of Object.keys(this.kinds) as K[]) cols[name].set(this.cols[name].subarray(0, this.used));
    this.cols = cols;
  }

  /** Moves every live row but `skip`'s (about to be replaced) to the front, in slot order. */
  private compact(skip: number): void {
    const cols = this.allocate(this.capacity());
    let at = 0;
    for (let s = 0; s < this.rowLength.length; s++) {
      const n = s === skip ? 0 : this.rowLength[s]!;
      if (n === 0) {
        this.rowLength[s] = 0;
        continue;
      }
      const from = this.rowStart[s]!;
      for (const name of Object.keys(this.kinds) as K[]) cols[name].set(this.cols[name].subarray(from, from + n), at);
      this.rowStart[s] = at;
      at += n;
    }
    this.cols = cols;
    this.used = at;
    this.live = at;
  }
}
