import type { z } from 'zod';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import type { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { AccountBook } from '../portfolio/account-book.js';
import type { Book } from '../portfolio/book.js';
import type { ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import type { MarginResultOf, ModelDetails } from './margin-result.js';

/** One documented parameter, for `crossmargin models` and docs/models/; read from the params schema (parameter-docs.ts). */
export interface ParameterDoc {
  readonly name: string;
  readonly description: string;
  /** Default as JSON text. */
  readonly default: string;
}

/** Everything a model compiles against: the interned instruments of the books it will see, and today's market. */
export interface ModelContext {
  readonly instruments: InstrumentTable;
  readonly market: MarketSnapshot;
  /** Names the input field of an instrument for error messages (`positions.2.instrument`). */
  readonly fieldOf?: (instrumentId: number) => string;
}

/** The context of a model that declared `needs.history` (define-model.ts): the history is always there. */
export interface HistoryContext extends ModelContext {
  /** Daily price history of the book's underlyings. */
  readonly history: MarketHistory;
}

/**
 * What a caller hands a model's `compile` (computeMargins, the book partition's workers): the context plus what the
 * model's `prepare` made of a risk-parameter file, and the history when the model needs it. defineModel checks the
 * model's declared needs against it, so the model itself sees them typed and present (ModelContext, HistoryContext).
 */
export interface CompileInput<R = unknown> extends ModelContext {
  readonly riskParameters?: R;
  readonly history?: MarketHistory;
}

/** A risk-parameter file read by a model before portfolios are resolved. */
export interface PreparedRiskParameters<R = unknown> {
  /** The model's own in-memory form, handed back in CompileInput.riskParameters. */
  readonly data: R;
  /** Instruments the file defines, by symbol, so portfolios can name them. */
  readonly catalogue?: ReadonlyMap<string, InstrumentSpec>;
}

/** Where a batch evaluation writes: one slot per account of the book, account currency. */
export interface BookOutput {
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
}

export interface BatchOptions {
  /** Threads in all (this one included) the batch kernels may use; results do not depend on it. */
  readonly threads: number;
}

/** What a batch evaluation did besides filling the output. */
export interface BatchReport {
  /**
   * Accounts the batch path left to `evaluate` (isolated books under relief, resting orders, ...), ascending; their
   * output slots are not written. The caller evaluates them from their documents (so a batch path never needs one,
   * and can run on a worker thread that has only the book's arrays).
   */
  readonly leftOver: readonly number[];
  /** Threads the batch kernels ran on. */
  readonly threads: number;
}

/**
 * A compiled model: the typed-array plan (scenario P&L matrix, rates) shared by every account it evaluates. `D` is
 * the model's `details` (its `detailsSchema`'s output).
 */
export interface CompiledModel<D extends ModelDetails = ModelDetails> {
  evaluate(portfolio: ResolvedPortfolio): MarginResultOf<D>;
  /**
   * The batch path (issue 14): margins of every account of `book` in one call over its typed arrays, written into
   * `out` (initial and maintenance margin per account). Must equal `evaluate` account by account (to 1e-12
   * relative; tested for every model). Models without one are evaluated account by account by computeBookMargins.
   */
  evaluateBook?(book: AccountBook, out: BookOutput, options: BatchOptions): BatchReport;
  /**
   * Initial and maintenance margin of one account without the explanation (no components, contributions or
   * details): the live engine's what-ifs (issue 15), which explain only when asked. Must equal `evaluate`'s figures
   * (to 1e-12 relative). Models without one are evaluated in full.
   */
  figures?(portfolio: ResolvedPortfolio): MarginFigures;
  /**
   * The batch path split where its grouping ends, for a caller that builds the grouped rows itself as it copies
   * accounts out of its own state (the live engine, issue 15: fused with its gather, so a tick does not group the
   * book a second time). Models whose batch path is "group positions into rows, worst loss per row, sum per
   * account" expose it; `evaluateBook` must be exactly `evaluateRows` over rows grouped by `instrumentGroup`.
   */
  readonly groupedBatch?: GroupedBatch;
}

/**
 * How a model's batch path groups an account's positions into rows, and the margins of rows so grouped
 * (grouped-book.ts). A cross account's positions go to the row of their instrument's group, rows in first-seen
 * order, entries in position order; an isolated account's positions are one row each, in order. An entry's weight
 * is its quantity × `rate` (settlement → account currency), the product computed as groupAccountBook computes it.
 */
export interface GroupedBatch {
  /** Group of each instrument of the compiled table (by table id) in a cross account. */
  readonly instrumentGroup: Int32Array;
  /** Settlement → account currency rate of an instrument's positions in an account of `currency`. */
  rate(instrument: number, currency: string): number;
  /**
   * Margins of accounts 0..accountCount−1 from their grouped rows (account a's rows are
   * accountRowStart[a] .. accountRowStart[a+1]−1 of `rows`, in shared memory for the batch threads) into `out`.
   */
  evaluateRows(rows: Book, accountRowStart: Int32Array, accountCount: number, out: BookOutput, options: BatchOptions): BatchReport;
}

/** A margin without its explanation, account currency. */
export interface MarginFigures {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
}

/**
 * A margin method as callers see it: config schema → compile to a plan of typed arrays → evaluate per account.
 * `paramsSchema` validates a parameters file (and API bodies); its defaults are the documented defaults. Models are
 * made by `defineModel` (define-model.ts), which gives the typed form (`DefinedModel`); the registry's readers see
 * this one. `compile` takes the parameters `paramsSchema` produced (computeMargins, the book partition), so its
 * parameter type is the model's own: declared as a method, a `DefinedModel<P, …>` is a `MarginModel`.
 */
export interface MarginModel<P = unknown, D extends ModelDetails = ModelDetails> {
  readonly id: string;
  /** One line for `crossmargin models`. */
  readonly description: string;
  /**
   * Validates a parameters file. It is also the parameters' documentation: every top-level field carries
   * `.meta({ description })` and its `.default()`, which `crossmargin models` and docs/models/ are generated from.
   */
  readonly paramsSchema: z.ZodType<P>;
  /** Validates the model's `MarginResult.details`: the contract its readers (backtests, venue health) rely on. */
  readonly detailsSchema: z.ZodType<D>;
  compile(params: P, context: CompileInput): CompiledModel<D>;
  /**
   * False for methods whose margin is not proportional to position size by design (Deribit PM's fixed-USD
   * dampener and size-dependent delta shock, size-tiered rates): the "scaling a book by k scales the margin by k"
   * invariant does not apply to them. Default true.
   */
  readonly homogeneous?: boolean;
  /**
   * The instruments the method has rules for (Deribit standard margin: inverse contracts only); undefined = all.
   * The model itself refuses the others with a coded error naming the position; this lets callers and the shared
   * invariant tests know in advance.
   */
  readonly accepts?: (spec: InstrumentSpec) => boolean;
  /** Models that value collateral under their scenarios: computeMargins adds it to the book as spot holdings. */
  readonly stressesCollateral?: boolean;
  /** History-based models (VaR family): computeMargins loads the underlyings' history before compiling. */
  readonly needsHistory?: boolean;
  /**
   * The batch path works account by account on one thread (spreads and offsets per scenario): computeBookMargins
   * partitions large books over worker threads, each compiling the model (models/book-partition.ts).
   */
  readonly partitionBatch?: boolean;
  /** Reads a risk-parameter file (parsed JSON); models without one leave this undefined. */
  prepare?(document: unknown, source: string): PreparedRiskParameters;
}
