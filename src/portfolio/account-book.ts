import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { InstrumentTable } from '../instruments/instrument-table.js';
import { resolveInstrument } from '../instruments/resolve-instrument.js';
import { resolvePortfolio, type ResolvedPortfolio } from './resolve-portfolio.js';

/**
 * Many accounts compiled into one shared CSR (DESIGN.md "books (accounts × positions, CSR)"): the batch path's
 * input (issue 14). Account a holds positions `rowStart[a] .. rowStart[a+1]−1`, in the order a ResolvedPortfolio
 * lists them (positions, then collateral balances held as spot positions when the model stresses collateral), so
 * a model's batch path aggregates exactly what its per-account path does. The position arrays live in shared
 * memory, so worker threads read them without a copy.
 *
 * Nothing per account is kept but these arrays and the caller's documents: `portfolio(a)` re-resolves account a's
 * document when the per-account path needs it (a full explained MarginResult, a method the batch path leaves to it).
 * Every array is in shared memory, so worker threads read the book without a copy (`sliceAccountBook`).
 */
export interface AccountBook {
  readonly accountCount: number;
  readonly accounts: readonly string[];
  /** Interned account currencies; `currency[a]` indexes it. */
  readonly currencyNames: readonly string[];
  readonly currency: Int32Array;
  /** 1 for an isolated-margin account. */
  readonly isolated: Uint8Array;
  /** 1 for an account whose document carries what the CSR does not (entry prices, resting orders). */
  readonly extras: Uint8Array;
  /** Length accountCount + 1. */
  readonly rowStart: Int32Array;
  /** Instrument id per position (in the table the book was compiled against). */
  readonly instrument: Int32Array;
  /** Signed contracts (collateral: units of the currency). */
  readonly quantity: Float64Array;
  /** 1 for a collateral balance held as a position (`collateral.<CCY>`). */
  readonly collateral: Uint8Array;
  /** Account a as the per-account path sees it (resolved again from its document; same instrument ids). */
  portfolio(a: number): ResolvedPortfolio;
  /** The input field that first named instrument i (`source: positions.2.instrument`), for messages. */
  fieldOf(instrument: number): string;
}

export interface AccountBookInput {
  readonly document: unknown;
  readonly source?: string;
}

export interface CompileAccountBookOptions {
  /** Instruments a risk-parameter file defines (SPAN contracts by symbol), looked up before venue names. */
  readonly catalogue?: ReadonlyMap<string, InstrumentSpec>;
  /** Collateral balances become spot positions (models that stress collateral). */
  readonly collateralAsPositions?: boolean;
}

const TOP_KEYS = new Set(['account', 'currency', 'mode', 'positions', 'collateral', 'openOrders']);

/**
 * Parses portfolio documents once, straight into an AccountBook; refuses exactly what resolvePortfolio refuses,
 * with the same coded errors. Documents of the common shape (string instruments, plain numbers) are checked by a
 * direct walk; any other document (full instrument specs, anything the walk is unsure of) goes through
 * resolvePortfolio and its schema, which gives the precise error or the accepted form.
 */
export function compileAccountBook(inputs: readonly AccountBookInput[], table: InstrumentTable, options: CompileAccountBookOptions = {}): AccountBook {
  const count = inputs.length;
  let capacity = 16;
  for (const input of inputs) capacity += positionCountHint(input.document);
  let instrument = new Int32Array(new SharedArrayBuffer(capacity * 4));
  let quantity = new Float64Array(new SharedArrayBuffer(capacity * 8));
  let collateral = new Uint8Array(new SharedArrayBuffer(capacity));
  const rowStart = new Int32Array(new SharedArrayBuffer((count + 1) * 4));
  const currency = new Int32Array(new SharedArrayBuffer(count * 4));
  const isolated = new Uint8Array(new SharedArrayBuffer(count));
  const extras = new Uint8Array(new SharedArrayBuffer(count));
  const accounts: string[] = new Array<string>(count);
  const currencyNames: string[] = [];
  const currencyIndex = new Map<string, number>();
  const bySymbol = new Map<string, number>();
  const byCurrency = new Map<string, number>();
  const firstPosition: number[] = [];
  let at = 0;

  const push = (id: number, q: number, isCollateral: boolean): void => {
    if (at === capacity) {
      capacity *= 2;
      instrument = grow(instrument, capacity, (b) => new Int32Array(b));
      quantity = grow(quantity, capacity, (b) => new Float64Array(b));
      const c = new Uint8Array(new SharedArrayBuffer(capacity));
      c.set(collateral);
      collateral = c;
    }
    if (firstPosition[id] === undefined) firstPosition[id] = at;
    instrument[at] = id;
    quantity[at] = q;
    collateral[at] = isCollateral ? 1 : 0;
    at++;
  };
  const internCurrency = (name: string): number => {
    let c = currencyIndex.get(name);
    if (c === undefined) {
      c = currencyNames.length;
      currencyIndex.set(name, c);
      currencyNames.push(name);
    }
    return c;
  };
  // Positions look names up in the catalogue first; collateral currencies never do (as resolvePortfolio).
  // Callers look the cache up first, so the field name is built only on a miss (a string per position would be
  // 2 million strings on a 100k-account book).
  const symbolId = (symbol: string, field: string, cache: Map<string, number>, catalogue?: ReadonlyMap<string, InstrumentSpec>): number => {
    let id = cache.get(symbol);
    if (id === undefined) {
      id = table.add(catalogue?.get(symbol) ?? resolveInstrument(symbol, field), field);
      cache.set(symbol, id);
    }
    return id;
  };

  for (let a = 0; a < count; a++) {
    const { document, source } = inputs[a]!;
    const prefix = source === undefined ? '' : `${source}: `;
    rowStart[a] = at;
    const plain = plainDocument(document);
    if (plain !== undefined) {
      accounts[a] = plain.account;
      currency[a] = internCurrency(plain.currency);
      isolated[a] = plain.mode === 'isolated' ? 1 : 0;
      for (let i = 0; i < plain.positions.length; i++) {
        const p = plain.positions[i]!;
        const id = bySymbol.get(p.instrument) ?? symbolId(p.instrument, `${prefix}positions.${i}.instrument`, bySymbol, options.catalogue);
        push(id, p.quantity, false);
      }
      if (options.collateralAsPositions === true) {
        for (const [ccy, amount] of Object.entries(plain.collateral)) {
          if (ccy !== plain.currency && amount !== 0) push(byCurrency.get(ccy) ?? symbolId(ccy, `${prefix}collateral.${ccy}`, byCurrency), amount, true);
        }
      }
      continue;
    }
    const resolved = resolvePortfolio(document, table, source, options.catalogue, { collateralAsPositions: options.collateralAsPositions === true });
    accounts[a] = resolved.account;
    currency[a] = internCurrency(resolved.currency);
    isolated[a] = resolved.mode === 'isolated' ? 1 : 0;
    extras[a] = resolved.openOrders !== undefined || resolved.positions.some((p) => p.entryPrice !== undefined) ? 1 : 0;
    for (const p of resolved.positions) push(p.instrument, p.quantity, p.role === 'collateral');
  }
  rowStart[count] = at;

  const fieldOf = (id: number): string => {
    const e = firstPosition[id];
    if (e === undefined) return `instruments.${id}`;
    const a = accountOfPosition(rowStart, count, e);
    const p = resolvedPortfolio(a);
    const field = p.positions[e - rowStart[a]!]?.field ?? `instruments.${id}`;
    return inputs[a]!.source === undefined ? field : `${inputs[a]!.source}: ${field}`;
  };
  const resolvedPortfolio = (a: number): ResolvedPortfolio => {
    if (!(Number.isInteger(a) && a >= 0 && a < count)) throw new CrossmarginError('INTERNAL', `account book: no account ${a} (0..${count - 1})`);
    return resolvePortfolio(inputs[a]!.document, table, inputs[a]!.source, options.catalogue, { collateralAsPositions: options.collateralAsPositions === true });
  };
  return {
    accountCount: count,
    accounts,
    currencyNames,
    currency,
    isolated,
    extras,
    rowStart,
    instrument: instrument.length === at ? instrument : instrument.subarray(0, at),
    quantity: quantity.length === at ? quantity : quantity.subarray(0, at),
    collateral: collateral.subarray(0, at),
    portfolio: resolvedPortfolio,
    fieldOf,
  };
}

/** The account holding global position e (binary search over rowStart). */
function accountOfPosition(rowStart: Int32Array, count: number, e: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rowStart[mid]! <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function grow<T extends Int32Array | Float64Array>(a: T, capacity: number, make: (b: SharedArrayBuffer) => T): T {
  const b = make(new SharedArrayBuffer(capacity * a.BYTES_PER_ELEMENT));
  b.set(a);
  return b;
}

function positionCountHint(document: unknown): number {
  if (typeof document !== 'object' || document === null) return 0;
  const positions = (document as { positions?: unknown }).positions;
  return (Array.isArray(positions) ? positions.length : 0) + 4;
}

interface PlainDocument {
  readonly account: string;
  readonly currency: string;
  readonly mode: 'cross' | 'isolated';
  readonly positions: readonly { readonly instrument: string; readonly quantity: number }[];
  readonly collateral: Readonly<Record<string, number>>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The document when it has the common shape that PortfolioFileSchema certainly accepts unchanged (apart from its
 * defaults): own keys among the schema's, a non-empty account, string instruments, finite quantities, finite
 * non-negative collateral, no entry prices and no resting orders. Else undefined: the schema path decides.
 */
function plainDocument(document: unknown): PlainDocument | undefined {
  if (!isPlainObject(document)) return undefined;
  for (const key of Object.keys(document)) if (!TOP_KEYS.has(key)) return undefined;
  const { account, currency = 'USD', mode = 'cross', positions, collateral = {}, openOrders } = document;
  if (typeof account !== 'string' || account.length === 0) return undefined;
  if (typeof currency !== 'string' || currency.length === 0) return undefined;
  if (mode !== 'cross' && mode !== 'isolated') return undefined;
  if (openOrders !== undefined || !Array.isArray(positions)) return undefined;
  for (const p of positions as unknown[]) {
    if (!isPlainObject(p)) return undefined;
    // Exactly the two keys, counted without allocating a key array per position.
    let keys = 0;
    for (const key in p) {
      if (key !== 'instrument' && key !== 'quantity') return undefined;
      keys++;
    }
    if (keys !== 2) return undefined;
    if (typeof p.instrument !== 'string' || p.instrument.length === 0) return undefined;
    if (typeof p.quantity !== 'number' || !Number.isFinite(p.quantity)) return undefined;
  }
  if (!isPlainObject(collateral)) return undefined;
  for (const amount of Object.values(collateral)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return undefined;
  }
  return { account, currency, mode, positions: positions as PlainDocument['positions'], collateral: collateral as Record<string, number> };
}

/** The arrays of an AccountBook (what a worker thread is sent; typed arrays over shared memory cross as views). */
export type AccountBookArrays = Pick<AccountBook, 'accountCount' | 'accounts' | 'currencyNames' | 'currency' | 'isolated' | 'extras' | 'rowStart' | 'instrument' | 'quantity' | 'collateral'>;

export function accountBookArrays(book: AccountBook): AccountBookArrays {
  const { accountCount, accounts, currencyNames, currency, isolated, extras, rowStart, instrument, quantity, collateral } = book;
  return { accountCount, accounts, currencyNames, currency, isolated, extras, rowStart, instrument, quantity, collateral };
}

/**
 * Accounts a0 ≤ a < a1 of a book as a book of their own (account a0 is account 0): views over the same arrays,
 * row starts rebased. Without documents (a worker thread has none), `portfolio` is refused: batch paths leave such
 * accounts to their caller (BatchReport.leftOver) instead of resolving them.
 */
export function sliceAccountBook(book: AccountBookArrays, a0: number, a1: number, fieldOf: (instrument: number) => string = (i) => `instruments.${i}`): AccountBook {
  const e0 = book.rowStart[a0]!;
  const e1 = book.rowStart[a1]!;
  const rowStart = new Int32Array(a1 - a0 + 1);
  for (let a = a0; a <= a1; a++) rowStart[a - a0] = book.rowStart[a]! - e0;
  return {
    accountCount: a1 - a0,
    accounts: book.accounts.slice(a0, a1),
    currencyNames: book.currencyNames,
    currency: book.currency.subarray(a0, a1),
    isolated: book.isolated.subarray(a0, a1),
    extras: book.extras.subarray(a0, a1),
    rowStart,
    instrument: book.instrument.subarray(e0, e1),
    quantity: book.quantity.subarray(e0, e1),
    collateral: book.collateral.subarray(e0, e1),
    portfolio: (a) => {
      throw new CrossmarginError('INTERNAL', `account book slice: account ${a0 + a} has no document here; a batch path must leave it to its caller`);
    },
    fieldOf,
  };
}
