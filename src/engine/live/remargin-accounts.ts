import { CrossmarginError, toCrossmarginError } from '../../core/errors.js';
import { InstrumentTable } from '../../instruments/instrument-table.js';
import { resolveInstrument } from '../../instruments/resolve-instrument.js';
import type { MarketSnapshot } from '../../market/market-snapshot.js';
import { evaluateBookPartitioned, partitions } from '../../models/book-partition.js';
import { compileModelRun, type ComputeMarginsOptions, type ModelRun } from '../../models/compute-margin.js';
import type { BookOutput, CompiledModel } from '../../models/margin-model.js';
import type { MarginResult } from '../../models/margin-result.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import { accountEquity } from '../account/account-equity.js';
import type { AccountParams } from '../account/account-params.js';
import { accountEquities, type EquityMarks } from './account-equities.js';
import { gatherGrouped, groupedGatherBuffers, type GroupedGatherBuffers } from './gather-grouped.js';
import type { CompileTable, LiveBook } from './live-book.js';

/**
 * A compiled model on one market over one compile table: what margined a set of accounts, kept while any of them
 * still reports figures it made, so `margin(id)` can explain those figures (the full MarginResult, made on demand
 * with the same compiled model, hence the same numbers).
 */
export interface Generation {
  readonly id: number;
  readonly compiled: CompiledModel;
  readonly table: InstrumentTable;
  readonly market: MarketSnapshot;
  /** Size of `table` when compiled (rows the compiled model has). */
  readonly tableSize: number;
}

/** One account's raw margin and equity (before floors and classification), or why it could not be margined. */
export interface RawFigures {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly equity: number;
  /** The generation that made the figures (explains them), or the full result when it was made already. */
  readonly generation: Generation | undefined;
  readonly result: MarginResult | undefined;
}

/** How the engine margins: the prepared model run, its options (history loader memoised), threads, account params. */
export interface MarginSettings {
  readonly run: ModelRun;
  readonly options: ComputeMarginsOptions;
  readonly threads: number;
  readonly accountParams: AccountParams;
  nextGeneration(compiled: CompiledModel, table: InstrumentTable, market: MarketSnapshot): Generation;
}

/** Per-account fallback: the documents margined one compilation for all, each failure in its own slot (evaluateMany). */
export type SlowPath = (docs: readonly PortfolioFile[], market: MarketSnapshot) => (RawFigures | CrossmarginError)[];

/** Reused between ticks: per-account buffers of the batch path. */
export interface RemarginScratch {
  equity: Float64Array;
  out: BookOutput;
  fast: Int32Array;
  readonly grouped: GroupedGatherBuffers;
}

export function remarginScratch(): RemarginScratch {
  return { equity: new Float64Array(0), out: { initialMargin: new Float64Array(0), maintenanceMargin: new Float64Array(0) }, fast: new Int32Array(0), grouped: groupedGatherBuffers() };
}

/**
 * What stage 4 gives for accounts k = 0..count−1, as arrays (no object per account): raw margins and equity
 * (NaN where `error` has the account), the generation that made them, and the full results the per-account path
 * already made.
 */
export interface RemarginOutput {
  readonly count: number;
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  readonly equity: Float64Array;
  /**
   * The generation that made the batch's figures (one per call). Accounts the per-account path margined have their
   * full result in `result`, which explains them; the generation is then not needed.
   */
  generation: Generation | undefined;
  readonly result: Map<number, MarginResult>;
  readonly error: Map<number, CrossmarginError>;
}

/** Columns an output can be laid in, reused between ticks (grown on demand). */
export interface OutputBuffers {
  columns: Float64Array;
}

/** An output for `count` accounts, NaN-filled, in `buffers` when given (valid until the next output made in them). */
export function remarginOutput(count: number, buffers?: OutputBuffers): RemarginOutput {
  let columns: Float64Array;
  if (buffers === undefined) columns = new Float64Array(3 * count);
  else {
    if (buffers.columns.length < 3 * count) buffers.columns = new Float64Array(Math.max(3 * count, 2 * buffers.columns.length));
    columns = buffers.columns;
  }
  const out = {
    count,
    initialMargin: columns.subarray(0, count),
    maintenanceMargin: columns.subarray(count, 2 * count),
    equity: columns.subarray(2 * count, 3 * count),
    generation: undefined,
    result: new Map(),
    error: new Map(),
  };
  columns.fill(Number.NaN, 0, 3 * count);
  return out;
}

/** Puts one account's outcome (an object, from a per-account path) into the output's slot k. */
export function putFigures(out: RemarginOutput, k: number, raw: RawFigures | CrossmarginError): void {
  if (raw instanceof CrossmarginError) {
    out.error.set(k, raw);
    return;
  }
  out.initialMargin[k] = raw.initialMargin;
  out.maintenanceMargin[k] = raw.maintenanceMargin;
  out.equity[k] = raw.equity;
  if (raw.generation !== undefined) out.generation = raw.generation;
  if (raw.result !== undefined) out.result.set(k, raw.result);
}

/** Account k of an output as an object (off the hot path). */
export function figuresAt(out: RemarginOutput, k: number): RawFigures | CrossmarginError {
  const error = out.error.get(k);
  if (error !== undefined) return error;
  return { initialMargin: out.initialMargin[k]!, maintenanceMargin: out.maintenanceMargin[k]!, equity: out.equity[k]!, generation: out.generation, result: out.result.get(k) };
}

/**
 * Stage 4 of a tick (docs/architecture.md "The tick pipeline"): margins and equities of `slots[0..count)` on `market`
 * into `into` (index k = slots[k]). Accounts whose every figure the market gives go through the batch kernels
 * together: one compile table of just their instruments, one compilation (the revaluation of those instruments),
 * the model's batch path (partitioned over worker threads for models that want it), equity by the equity kernel.
 * The rest (a figure missing from the market, an account the batch path leaves over and cannot evaluate, a
 * non-finite margin) are evaluated by `slow`, which names each account's error. If the compilation itself fails,
 * every account takes the slow path.
 */
export function remarginAccounts(
  book: LiveBook,
  slots: Int32Array,
  count: number,
  market: MarketSnapshot,
  marks: EquityMarks,
  settings: MarginSettings,
  scratch: RemarginScratch,
  slow: SlowPath,
  into: RemarginOutput,
): void {
  if (scratch.equity.length < count) {
    const n = Math.max(count, 2 * scratch.equity.length);
    scratch.equity = new Float64Array(n);
    scratch.fast = new Int32Array(n);
    scratch.out = { initialMargin: new Float64Array(n), maintenanceMargin: new Float64Array(n) };
  }
  const equity = scratch.equity;
  accountEquities(book, marks, slots, count, equity);
  // Accounts the batch may take: every equity figure known (the same market figures the margin needs).
  const fast = scratch.fast;
  const fastIndex = new Int32Array(count);
  const done = new Uint8Array(count);
  let nFast = 0;
  for (let k = 0; k < count; k++) {
    if (Number.isFinite(equity[k]!)) {
      fast[nFast] = slots[k]!;
      fastIndex[nFast++] = k;
    }
  }

  if (nFast > 0) {
    // The live instruments' compile table (kept between ticks); if the market cannot value some of them, the model
    // is compiled without those, and the accounts holding them take the per-account path (which names the error).
    let map = book.compileTable();
    let compiled = tryCompile(settings, map, market, book);
    if (compiled === undefined) {
      const bad = unvaluable(settings, map, market, book);
      if (bad.size > 0 && bad.size < map.globalOf.length) {
        map = book.compileTableWithout((i) => bad.has(i));
        compiled = tryCompile(settings, map, market, book);
        let kept = 0;
        for (let j = 0; j < nFast; j++) {
          if (!book.covered(fast[j]!, map)) continue;
          fast[kept] = fast[j]!;
          fastIndex[kept++] = fastIndex[j]!;
        }
        nFast = kept;
      }
    }
    const table = map.table;
    // Account j of the batch resolved against the compile table (the per-account path; off the hot path).
    const portfolioOf = (j: number) => book.resolveIn(book.document(fast[j]!), table);
    const perAccount = (generation: Generation, compiledModel: CompiledModel, j: number): void => {
      const k = fastIndex[j]!;
      const r = evaluateResolved(compiledModel, generation, () => portfolioOf(j), equity[k]!);
      if (r instanceof CrossmarginError) return; // the slow path names the error
      putFigures(into, k, r);
      done[k] = 1;
    };
    if (compiled !== undefined && compiled.evaluateBook === undefined) {
      // No batch path: the compiled model per account (still one compilation, no re-parse of documents).
      const generation = settings.nextGeneration(compiled, table, market);
      for (let j = 0; j < nFast; j++) perAccount(generation, compiled, j);
    } else if (compiled !== undefined) {
      const out = { initialMargin: scratch.out.initialMargin.subarray(0, nFast), maintenanceMargin: scratch.out.maintenanceMargin.subarray(0, nFast) };
      let leftOver: readonly number[] | undefined;
      const grouping = compiled.groupedBatch;
      try {
        if (grouping !== undefined && settings.run.model.partitionBatch !== true) {
          // The model's rows made as the accounts are copied out (gather-grouped.ts): no second pass to group them.
          const grouped = gatherGrouped(book, fast, nFast, map, grouping, scratch.grouped);
          leftOver = grouping.evaluateRows(grouped.rows, grouped.accountRowStart, nFast, out, { threads: settings.threads }).leftOver;
        } else {
          const gathered = book.gather(fast, nFast, map).book;
          leftOver = partitions(settings.run.model, gathered, settings.threads)
            ? evaluateBookPartitioned(compiled, settings.run.modelId, settings.run.params, market, table, settings.run.prepared?.data, gathered, out, settings.threads).leftOver
            : (compiled.evaluateBook as NonNullable<CompiledModel['evaluateBook']>)(gathered, out, { threads: settings.threads }).leftOver;
        }
      } catch {
        leftOver = undefined;
      }
      if (leftOver !== undefined) {
        const generation = settings.nextGeneration(compiled, table, market);
        const left = new Uint8Array(nFast);
        for (const j of leftOver) left[j] = 1;
        for (let j = 0; j < nFast; j++) {
          if (left[j] === 1) {
            perAccount(generation, compiled, j);
            continue;
          }
          const k = fastIndex[j]!;
          const im = out.initialMargin[j]!;
          const mm = out.maintenanceMargin[j]!;
          // A margin the batch could not give (NaN, negative) is left to the per-account path, which names why.
          if (Number.isFinite(im) && Number.isFinite(mm) && im >= 0 && mm >= 0) {
            into.initialMargin[k] = im;
            into.maintenanceMargin[k] = mm;
            into.equity[k] = equity[k]!;
            into.generation = generation;
            done[k] = 1;
          }
        }
      }
    }
  }
  const slowIndex: number[] = [];
  for (let k = 0; k < count; k++) if (done[k] === 0) slowIndex.push(k);
  if (slowIndex.length > 0) {
    const raw = slow(
      slowIndex.map((k) => book.document(slots[k]!)),
      market,
    );
    slowIndex.forEach((k, j) => putFigures(into, k, raw[j]!));
  }
}

/** The model compiled over a compile table, or undefined when the market cannot value one of its instruments. */
function tryCompile(settings: MarginSettings, map: CompileTable, market: MarketSnapshot, book: LiveBook): CompiledModel | undefined {
  try {
    return compileModelRun(settings.run, map.table, market, (local) => book.fieldOf(map.globalOf[local] ?? -1), settings.options);
  } catch {
    return undefined;
  }
}

/** The instruments of `map` the model cannot be compiled over on `market`, each tried alone (the rare path). */
function unvaluable(settings: MarginSettings, map: CompileTable, market: MarketSnapshot, book: LiveBook): Set<number> {
  const bad = new Set<number>();
  for (const i of map.globalOf) {
    const one = new InstrumentTable();
    one.add(book.instruments.spec(i));
    try {
      compileModelRun(settings.run, one, market, () => book.fieldOf(i), settings.options);
    } catch {
      bad.add(i);
    }
  }
  return bad;
}

/** Full evaluation of one resolved account with a compiled model; equity given. Errors are returned, not thrown. */
export function evaluateResolved(
  compiled: CompiledModel,
  generation: Generation,
  portfolio: () => ReturnType<LiveBook['resolve']>,
  equity: number,
): RawFigures | CrossmarginError {
  try {
    const result = compiled.evaluate(portfolio());
    return finiteFigures({ initialMargin: result.initialMargin, maintenanceMargin: result.maintenanceMargin, equity, generation, result });
  } catch (error) {
    return toCrossmarginError(error);
  }
}

/**
 * One account on its own with the latest generation, when that generation's compile table already holds every
 * instrument the document names (no compilation: a trade, a what-if); undefined when it does not.
 */
export function evaluateWithGeneration(doc: PortfolioFile, generation: Generation, book: LiveBook, params: AccountParams): RawFigures | CrossmarginError | undefined {
  const table = generation.table;
  for (let i = 0; i < doc.positions.length; i++) {
    const p = doc.positions[i]!;
    let symbol: string;
    try {
      symbol = typeof p.instrument === 'string' ? p.instrument : resolveInstrument(p.instrument, `positions.${i}.instrument`).symbol;
    } catch (error) {
      return toCrossmarginError(error);
    }
    if (table.id(symbol) === undefined) return undefined;
  }
  if (book.collateralAsPositions) {
    for (const ccy of Object.keys(doc.collateral)) if (ccy !== doc.currency && table.id(ccy) === undefined) return undefined;
  }
  try {
    const resolved = book.resolveIn(doc, table);
    // Resolution must not have grown the table (a symbol spelt another way than its canonical name): compile again.
    if (resolved.positions.some((p) => p.instrument >= table.size) || table.size !== generation.tableSize) return undefined;
    // Equity counts collateral once: the model's collateral rows (stressed collateral) are not positions of equity.
    const held = book.collateralAsPositions ? { ...resolved, positions: resolved.positions.filter((p) => p.role === 'position') } : resolved;
    const eq = accountEquity(held, table, generation.market, params).equity;
    return evaluateResolved(generation.compiled, generation, () => resolved, eq);
  } catch (error) {
    return toCrossmarginError(error);
  }
}

/** No non-finite figure leaves the engine: a model or an equity that produced one makes the account unmarginable. */
export function finiteFigures<T extends Pick<RawFigures, 'initialMargin' | 'maintenanceMargin' | 'equity'>>(raw: T): T {
  const figures: [string, number][] = [
    ['initialMargin', raw.initialMargin],
    ['maintenanceMargin', raw.maintenanceMargin],
    ['equity', raw.equity],
  ];
  for (const [field, value] of figures) {
    if (!Number.isFinite(value)) {
      throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `${field}: the model produced a non-finite figure (${String(value)})`, { field });
    }
  }
  return raw;
}
