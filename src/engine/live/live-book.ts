import { CrossmarginError } from '../../core/errors.js';
import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import type { AccountBook } from '../../portfolio/account-book.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../../portfolio/resolve-portfolio.js';
import { exposureKeys } from './apply-trades.js';
import { nextExpiryMs } from './settle-expired.js';
import { Slab } from './slab.js';

/** Interns names (currencies, exposure keys) to dense ids, first-seen order. */
export class NameTable {
  private readonly index = new Map<string, number>();
  readonly names: string[] = [];

  id(name: string): number {
    let id = this.index.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.index.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  lookup(name: string): number | undefined {
    return this.index.get(name);
  }
}

export interface LiveBookOptions {
  /** Instruments a risk-parameter file defines (SPAN contracts), looked up before venue names. */
  readonly catalogue?: ReadonlyMap<string, InstrumentSpec>;
  /** The model values collateral under its scenarios: balances become spot rows of the margin book. */
  readonly collateralAsPositions: boolean;
}

/**
 * The live engine's compiled accounts (issue 15, "persistent compiled state"): every account's document, parsed and
 * validated once at admission, kept as rows of typed arrays in slot order, so a tick never re-reads a document:
 *
 * - margin rows: instrument id, signed quantity, collateral flag (the AccountBook CSR a model's batch path takes,
 *   with collateral balances as spot rows when the model stresses collateral);
 * - equity rows: the positions again with their entry prices (NaN: none), and the collateral balances (currency id,
 *   units): what accountEquity reads;
 * - exposure: the ids of the keys (underlyings, currencies) a market change must touch to move the account.
 *
 * Instruments are interned into one table that only grows (ids never move, so a compiled model's rows stay valid);
 * a changed account replaces its rows in place (Slab). `gather` copies the rows of chosen slots into one contiguous
 * AccountBook over shared memory (reused between ticks) for the batch kernels.
 */
export class LiveBook {
  readonly instruments = new InstrumentTable();
  readonly currencies = new NameTable();
  readonly keys = new NameTable();
  private readonly options: LiveBookOptions;
  private readonly slotOf = new Map<string, number>();
  private readonly free: number[] = [];
  private ids: (string | undefined)[] = [];
  private documents: (PortfolioFile | undefined)[] = [];
  private currency = new Int32Array(16);
  private isolated = new Uint8Array(16);
  private extras = new Uint8Array(16);
  private expiry = new Float64Array(16);
  /** Per slot: bit k set for each exposure key id k < 31, bit 31 for any higher key id (see KeyFilter). */
  private keyMask = new Int32Array(16);
  /** First input field naming each instrument (messages). */
  private readonly instrumentField: string[] = [];
  private readonly margin = new Slab({ instrument: 'i32', quantity: 'f64', collateral: 'u8' });
  private readonly equity = new Slab({ instrument: 'i32', quantity: 'f64', entry: 'f64' });
  private readonly cash = new Slab({ currency: 'i32', balance: 'f64' });
  private readonly exposure = new Slab({ key: 'i32' });
  private gathered: GatherBuffers | undefined;
  /** Margin rows naming each instrument (by book id). */
  private refs = new Int32Array(0);
  private compileTableCache: CompileTable | undefined;

  constructor(options: LiveBookOptions) {
    this.options = options;
  }

  /** True when the model values collateral as spot rows of the margin book. */
  get collateralAsPositions(): boolean {
    return this.options.collateralAsPositions;
  }

  /** Number of slots ever used (live slots are those with an id). */
  get slotCount(): number {
    return this.ids.length;
  }

  get size(): number {
    return this.slotOf.size;
  }

  slot(accountId: string): number | undefined {
    return this.slotOf.get(accountId);
  }

  id(slot: number): string {
    return this.ids[slot] as string;
  }

  document(slot: number): PortfolioFile {
    return this.documents[slot] as PortfolioFile;
  }

  /** Earliest expiry of each slot's positions, epoch ms (+∞: none); valid until the next put. */
  expiries(): Float64Array {
    return this.expiry;
  }

  nextExpiryMs(slot: number): number {
    return this.expiry[slot]!;
  }

  /** Live slots in ascending order (admission order, reused slots in place). */
  *slots(): IterableIterator<number> {
    for (let s = 0; s < this.ids.length; s++) if (this.ids[s] !== undefined) yield s;
  }

  /**
   * Resolves `doc` (already schema-valid) against the book's instruments without storing it: the coded error an
   * admission would give (an unknown or conflicting instrument), or the resolved portfolio.
   */
  resolve(doc: PortfolioFile, source = `account ${doc.account}`): ResolvedPortfolio {
    return resolvePortfolio(doc, this.instruments, source, this.options.catalogue, { collateralAsPositions: this.options.collateralAsPositions });
  }

  /**
   * Adds or replaces the account of `doc` (validated by the caller): its rows are rewritten in place. Throws what
   * `resolve` throws; then nothing of the account changed.
   */
  put(doc: PortfolioFile): number {
    const resolved = this.resolve(doc);
    const keys = exposureKeys(doc);
    let slot = this.slotOf.get(doc.account);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.ids.length;
      this.ensure(slot);
      this.slotOf.set(doc.account, slot);
    }
    this.ids[slot] = doc.account;
    this.documents[slot] = doc;
    this.currency[slot] = this.currencies.id(doc.currency);
    this.isolated[slot] = doc.mode === 'isolated' ? 1 : 0;
    this.extras[slot] = resolved.openOrders !== undefined || resolved.positions.some((p) => p.entryPrice !== undefined) ? 1 : 0;
    this.expiry[slot] = nextExpiryMs(doc);

    const rows = resolved.positions;
    this.release(slot);
    let at = this.margin.place(slot, rows.length);
    const mi = this.margin.column<Int32Array>('instrument');
    const mq = this.margin.column<Float64Array>('quantity');
    const mc = this.margin.column<Uint8Array>('collateral');
    for (const p of rows) {
      this.hold(p.instrument);
      mi[at] = p.instrument;
      mq[at] = p.quantity;
      mc[at] = p.role === 'collateral' ? 1 : 0;
      this.instrumentField[p.instrument] ??= `account ${doc.account}: ${p.field}`;
      at++;
    }
    const held = rows.filter((p) => p.role === 'position');
    at = this.equity.place(slot, held.length);
    const ei = this.equity.column<Int32Array>('instrument');
    const eq = this.equity.column<Float64Array>('quantity');
    const ee = this.equity.column<Float64Array>('entry');
    for (const p of held) {
      ei[at] = p.instrument;
      eq[at] = p.quantity;
      ee[at] = p.entryPrice ?? Number.NaN;
      at++;
    }
    const balances = Object.entries(doc.collateral);
    at = this.cash.place(slot, balances.length);
    const cc = this.cash.column<Int32Array>('currency');
    const cb = this.cash.column<Float64Array>('balance');
    for (const [ccy, balance] of balances) {
      cc[at] = this.currencies.id(ccy);
      cb[at] = balance;
      at++;
    }
    at = this.exposure.place(slot, keys.length);
    const xk = this.exposure.column<Int32Array>('key');
    let mask = 0;
    for (const k of keys) {
      const id = this.keys.id(k);
      xk[at++] = id;
      mask |= id < HIGH_KEY ? 1 << id : 1 << HIGH_KEY;
    }
    this.keyMask[slot] = mask;
    return slot;
  }

  /** Removes an account; false when it was not there. */
  remove(accountId: string): boolean {
    const slot = this.slotOf.get(accountId);
    if (slot === undefined) return false;
    this.slotOf.delete(accountId);
    this.ids[slot] = undefined;
    this.documents[slot] = undefined;
    this.release(slot);
    this.margin.clear(slot);
    this.equity.clear(slot);
    this.cash.clear(slot);
    this.exposure.clear(slot);
    this.free.push(slot);
    return true;
  }

  /** Counts a margin row naming instrument i (a first holder changes the live instruments). */
  private hold(i: number): void {
    if (i >= this.refs.length) {
      const grown = new Int32Array(Math.max(i + 1, 2 * this.refs.length, 64));
      grown.set(this.refs);
      this.refs = grown;
    }
    const held = this.refs[i]!;
    this.refs[i] = held + 1;
    if (held === 0) this.compileTableCache = undefined;
  }

  /** Uncounts the slot's current margin rows (a last holder changes the live instruments). */
  private release(slot: number): void {
    const n = this.margin.length(slot);
    if (n === 0) return;
    const from = this.margin.start(slot);
    const mi = this.margin.column<Int32Array>('instrument');
    for (let r = from; r < from + n; r++) {
      const i = mi[r]!;
      this.refs[i] = this.refs[i]! - 1;
      if (this.refs[i] === 0) this.compileTableCache = undefined;
    }
  }

  /**
   * The compile table of the live instruments (those some account holds), in the book's id order: what a tick
   * revalues. Kept between ticks, made again only when an instrument gains its first holder or loses its last (an
   * expired one after settlement), so the table, and the latest compiled model with it, cover every account.
   */
  compileTable(): CompileTable {
    if (this.compileTableCache !== undefined) return this.compileTableCache;
    const size = this.instruments.size;
    const localOf = new Int32Array(size).fill(-1);
    const table = new InstrumentTable();
    const specs = this.instruments.specs();
    const globalOf: number[] = [];
    for (let i = 0; i < size; i++) {
      if ((this.refs[i] ?? 0) === 0) continue;
      localOf[i] = table.add(specs[i]!, this.fieldOf(i));
      globalOf.push(i);
    }
    const made: CompileTable = { table, localOf, globalOf, identity: globalOf.length === size };
    this.compileTableCache = made;
    return made;
  }

  /** The compile table without the instruments flagged in `drop` (a market that cannot value them). */
  compileTableWithout(drop: (instrument: number) => boolean): CompileTable {
    const base = this.compileTable();
    const localOf = new Int32Array(base.localOf.length).fill(-1);
    const table = new InstrumentTable();
    const globalOf: number[] = [];
    for (const i of base.globalOf) {
      if (drop(i)) continue;
      localOf[i] = table.add(this.instruments.spec(i), this.fieldOf(i));
      globalOf.push(i);
    }
    return { table, localOf, globalOf, identity: false };
  }

  /** True when every margin row of the slot names an instrument of `map`. */
  covered(slot: number, map: CompileTable): boolean {
    if (map.identity) return true;
    const from = this.margin.start(slot);
    const end = from + this.margin.length(slot);
    const mi = this.margin.column<Int32Array>('instrument');
    for (let r = from; r < end; r++) if (map.localOf[mi[r]!]! < 0) return false;
    return true;
  }

  /** The account's exposure key ids (a fresh array: off the hot path). */
  exposureKeyIds(slot: number): number[] {
    const start = this.exposure.start(slot);
    const keys = this.exposure.column<Int32Array>('key');
    return Array.from(keys.subarray(start, start + this.exposure.length(slot)));
  }

  /** True when any exposure key of the slot is flagged in `flags` (by key id). */
  exposedTo(slot: number, flags: Uint8Array): boolean {
    return exposed(this.exposureRows(), slot, keyFilter(flags));
  }

  /** The equity rows (positions with entry prices; NaN: none) by slot: views valid until the next put. */
  equityRows(): EquityRows {
    return {
      start: this.equity.starts(),
      length: this.equity.lengths(),
      instrument: this.equity.column('instrument'),
      quantity: this.equity.column('quantity'),
      entry: this.equity.column('entry'),
    };
  }

  /** The margin rows (compile-ready positions) by slot: views valid until the next put. */
  marginRows(): MarginRows {
    return { start: this.margin.starts(), length: this.margin.lengths(), instrument: this.margin.column('instrument'), quantity: this.margin.column('quantity') };
  }

  /** 1 per isolated slot (views valid until the next put). */
  isolatedFlags(): Uint8Array {
    return this.isolated;
  }

  /** The collateral balances (currency id, units) by slot: views valid until the next put. */
  cashRows(): CashRows {
    return { start: this.cash.starts(), length: this.cash.lengths(), currency: this.cash.column('currency'), balance: this.cash.column('balance') };
  }

  /** The exposure keys by slot: views valid until the next put (see `exposed`). */
  exposureRows(): ExposureRows {
    return { start: this.exposure.starts(), length: this.exposure.lengths(), key: this.exposure.column('key'), mask: this.keyMask };
  }

  /** Currency id of each slot (views valid until the next put). */
  currencyIds(): Int32Array {
    return this.currency;
  }

  currencyOf(slot: number): number {
    return this.currency[slot]!;
  }

  /** The input field that first named instrument i, for messages. */
  fieldOf = (instrument: number): string => this.instrumentField[instrument] ?? `instruments.${instrument}`;

  /**
   * The margin rows of `slots[0..count)` as one AccountBook (account k = slots[k]) over the compile table `map`
   * (every row's instrument must be in it: `covered`), in shared memory reused between calls: valid until the next
   * gather. `portfolio(k)` resolves the account's document against the table (the per-account path).
   */
  gather(slots: Int32Array, count: number, map: CompileTable): GatheredBook {
    let entries = 0;
    const lengths = this.margin.lengths();
    for (let k = 0; k < count; k++) entries += lengths[slots[k]!]!;
    const g = this.buffers(count, entries);
    const mi = this.margin.column<Int32Array>('instrument');
    const mq = this.margin.column<Float64Array>('quantity');
    const mc = this.margin.column<Uint8Array>('collateral');
    const accounts: string[] = new Array<string>(count);
    const gi = g.instrument;
    const gq = g.quantity;
    const gc = g.collateral;
    const start = this.margin.starts();
    const localOf = map.localOf;
    const identity = map.identity;
    let at = 0;
    for (let k = 0; k < count; k++) {
      const s = slots[k]!;
      g.rowStart[k] = at;
      g.currency[k] = this.currency[s]!;
      g.isolated[k] = this.isolated[s]!;
      g.extras[k] = this.extras[s]!;
      accounts[k] = this.ids[s] as string;
      // Element by element: a subarray per account would be an object per account.
      const from = start[s]!;
      const end = from + lengths[s]!;
      for (let r = from; r < end; r++) {
        const i = mi[r]!;
        gi[at] = identity ? i : localOf[i]!;
        gq[at] = mq[r]!;
        gc[at] = mc[r]!;
        at++;
      }
    }
    g.rowStart[count] = at;
    const table = map.table;
    const fieldOf = (local: number): string => this.fieldOf(map.globalOf[local] ?? -1);
    const book: AccountBook = {
      accountCount: count,
      accounts,
      currencyNames: this.currencies.names,
      currency: g.currency.subarray(0, count),
      isolated: g.isolated.subarray(0, count),
      extras: g.extras.subarray(0, count),
      rowStart: g.rowStart.subarray(0, count + 1),
      instrument: g.instrument.subarray(0, at),
      quantity: g.quantity.subarray(0, at),
      collateral: g.collateral.subarray(0, at),
      portfolio: (k) => {
        const s = slots[k];
        if (s === undefined || k >= count) throw new CrossmarginError('INTERNAL', `live book: no gathered account ${k}`);
        return this.resolveIn(this.document(s), table);
      },
      fieldOf,
    };
    return { book, table, globalOf: map.globalOf };
  }

  /** Resolves `doc` against another table (a compile table): the per-account path of a gathered book. */
  resolveIn(doc: PortfolioFile, table: InstrumentTable): ResolvedPortfolio {
    return resolvePortfolio(doc, table, `account ${doc.account}`, this.options.catalogue, { collateralAsPositions: this.options.collateralAsPositions });
  }

  /** Memory the rows hold (elements in use, live), for reports. */
  stats(): { readonly accounts: number; readonly marginRows: number; readonly instruments: number } {
    return { accounts: this.size, marginRows: this.margin.stats().live, instruments: this.instruments.size };
  }

  private ensure(slot: number): void {
    if (slot < this.currency.length) return;
    const n = Math.max(slot + 1, 2 * this.currency.length);
    this.currency = grown(this.currency, new Int32Array(n));
    this.isolated = grown(this.isolated, new Uint8Array(n));
    this.extras = grown(this.extras, new Uint8Array(n));
    this.expiry = grown(this.expiry, new Float64Array(n));
    this.keyMask = grown(this.keyMask, new Int32Array(n));
  }

  private buffers(accounts: number, entries: number): GatherBuffers {
    const g = this.gathered;
    if (g !== undefined && g.currency.length >= accounts && g.instrument.length >= entries) return g;
    const a = Math.max(accounts, 2 * (g?.currency.length ?? 0), 64);
    const e = Math.max(entries, 2 * (g?.instrument.length ?? 0), 256);
    const made: GatherBuffers = {
      rowStart: new Int32Array(new SharedArrayBuffer((a + 1) * 4)),
      currency: new Int32Array(new SharedArrayBuffer(a * 4)),
      isolated: new Uint8Array(new SharedArrayBuffer(a)),
      extras: new Uint8Array(new SharedArrayBuffer(a)),
      instrument: new Int32Array(new SharedArrayBuffer(e * 4)),
      quantity: new Float64Array(new SharedArrayBuffer(e * 8)),
      collateral: new Uint8Array(new SharedArrayBuffer(e)),
    };
    this.gathered = made;
    return made;
  }
}

export interface EquityRows {
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly instrument: Int32Array;
  readonly quantity: Float64Array;
  readonly entry: Float64Array;
}

export interface MarginRows {
  readonly start: Int32Array;
  readonly length: Int32Array;
  /** Book instrument id of each row. */
  readonly instrument: Int32Array;
  readonly quantity: Float64Array;
}

export interface CashRows {
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly currency: Int32Array;
  readonly balance: Float64Array;
}

export interface ExposureRows {
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly key: Int32Array;
  /** Per slot: the bits of its key ids below 31, bit 31 for any higher one. */
  readonly mask: Int32Array;
}

/** The first key ids get a bit of their own in a slot's mask; the rest share bit 31 and are looked up. */
const HIGH_KEY = 31;

/** Key flags (1 per flagged key id) with the same flags as a mask: one AND answers most slots. */
export interface KeyFilter {
  readonly flags: Uint8Array;
  readonly mask: number;
}

export function keyFilter(flags: Uint8Array): KeyFilter {
  let mask = 0;
  for (let id = 0; id < flags.length; id++) if (flags[id] === 1) mask |= id < HIGH_KEY ? 1 << id : 1 << HIGH_KEY;
  return { flags, mask };
}

/** True when any exposure key of `slot` is flagged. Allocates nothing; walks the keys only past the 31st key id. */
export function exposed(rows: ExposureRows, slot: number, filter: KeyFilter): boolean {
  const hit = rows.mask[slot]! & filter.mask;
  if (hit === 0) return false;
  if ((hit & (1 << HIGH_KEY)) === 0) return true;
  // A high key id in both: which one is flagged needs the keys themselves.
  if ((hit & ~(1 << HIGH_KEY)) !== 0) return true;
  const start = rows.start[slot]!;
  const end = start + rows.length[slot]!;
  for (let k = start; k < end; k++) if (filter.flags[rows.key[k]!] === 1) return true;
  return false;
}

/** Instruments a model is compiled over, and how book ids map to theirs. */
export interface CompileTable {
  readonly table: InstrumentTable;
  /** Compile-table id of each book id (−1: not in it). */
  readonly localOf: Int32Array;
  /** Book id of each compile-table id. */
  readonly globalOf: readonly number[];
  /** Every book instrument, same ids (rows copy without remapping). */
  readonly identity: boolean;
}

/** A gathered book with the compile table its instrument ids index. */
export interface GatheredBook {
  readonly book: AccountBook;
  readonly table: InstrumentTable;
  /** Book instrument id of each compile-table id. */
  readonly globalOf: readonly number[];
}

interface GatherBuffers {
  readonly rowStart: Int32Array;
  readonly currency: Int32Array;
  readonly isolated: Uint8Array;
  readonly extras: Uint8Array;
  readonly instrument: Int32Array;
  readonly quantity: Float64Array;
  readonly collateral: Uint8Array;
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, b: T): T {
  b.set(a);
  return b;
}
