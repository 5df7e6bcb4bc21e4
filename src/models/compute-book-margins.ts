import { CrossmarginError } from '../core/errors.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { compileAccountBook, type AccountBook } from '../portfolio/account-book.js';
import { checkThreads, defaultThreads } from '../risk/kernel-pool.js';
import { compileModelRun, prepareModelRun, type ComputeMarginsOptions, type PortfolioInput } from './compute-margin.js';
import type { BatchReport, BookOutput, CompiledModel } from './margin-model.js';
import { evaluateBookPartitioned, partitions } from './book-partition.js';
import type { MarginResult } from './margin-result.js';

export interface ComputeBookMarginsOptions extends ComputeMarginsOptions {
  /** Threads the batch kernels may use, this one included (default: CROSSMARGIN_THREADS, else the cores available). */
  readonly threads?: number;
}

/**
 * Margins of a whole book, as typed arrays: the batch path's result. `initialMargin[a]` and `maintenanceMargin[a]`
 * are account a's figures (account currency `currencyOf(a)`), equal to what computeMargins gives for it.
 * `result(a)` is the full explained MarginResult, made only when asked (the per-account path, or the result the
 * batch path already had for an account it left to that path), and kept once made.
 */
export interface BookMargins {
  readonly model: string;
  readonly accountCount: number;
  readonly accounts: readonly string[];
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  /** `batch`: the model's own batch path ran; `per-account`: the model has none, each account was evaluated. */
  readonly path: 'batch' | 'per-account';
  /** Threads the batch kernels ran on (1 for the per-account path). */
  readonly threads: number;
  /** Accounts the batch path left to the per-account path (isolated books, correlation relief, ...). */
  readonly perAccountCount: number;
  /** Wall time of each phase (ms): documents → book, model compile (history, scenarios, revaluation), margining. */
  readonly timings: { readonly book: number; readonly compile: number; readonly margin: number };
  currencyOf(a: number): string;
  result(a: number): MarginResult;
}

/**
 * The batch front door (issue 14): like computeMargins, but the documents are parsed once straight into one shared
 * CSR book (portfolio/account-book.ts), the model is compiled once, and its batch path margins every account in one
 * call over typed arrays, on `threads` threads. Models without a batch path run account by account (same figures).
 * Errors are those of computeMargins, naming the document and field.
 */
export function computeBookMargins(portfolios: readonly PortfolioInput[], market: MarketSnapshot, modelId: string, options: ComputeBookMarginsOptions = {}): BookMargins {
  const threads = options.threads === undefined ? defaultThreads() : checkThreads(options.threads);
  const run = prepareModelRun(modelId, options);
  const t0 = performance.now();
  const instruments = new InstrumentTable();
  const book = compileAccountBook(portfolios, instruments, {
    ...(run.prepared?.catalogue === undefined ? {} : { catalogue: run.prepared.catalogue }),
    collateralAsPositions: run.model.stressesCollateral === true,
  });
  const t1 = performance.now();
  const compiled = compileModelRun(run, instruments, market, book.fieldOf, options);
  const t2 = performance.now();
  const margins = partitions(run.model, book, threads)
    ? marginBook(compiled, book, threads, (out) => evaluateBookPartitioned(compiled, modelId, run.params, market, instruments, run.prepared?.data, book, out, threads))
    : marginBook(compiled, book, threads);
  const t3 = performance.now();
  return {
    model: modelId,
    accountCount: book.accountCount,
    accounts: book.accounts,
    initialMargin: margins.out.initialMargin,
    maintenanceMargin: margins.out.maintenanceMargin,
    path: margins.path,
    threads: margins.threads,
    perAccountCount: margins.results.size,
    timings: { book: t1 - t0, compile: t2 - t1, margin: t3 - t2 },
    currencyOf: (a) => book.currencyNames[book.currency[a]!]!,
    result: (a) => {
      let r = margins.results.get(a);
      if (r === undefined) {
        r = compiled.evaluate(book.portfolio(a));
        margins.results.set(a, r);
      }
      return r;
    },
  };
}

/**
 * Margins every account of `book` under a compiled model: its batch path when it has one, else `evaluate` per
 * account. Returns the figures and the full results already made (by account index).
 */
export function marginBook(
  compiled: CompiledModel,
  book: AccountBook,
  threads: number,
  /** Runs the batch path instead of one evaluateBook call (the partitioned path). */
  batch?: (out: BookOutput) => BatchReport,
): { out: BookOutput; results: Map<number, MarginResult>; path: 'batch' | 'per-account'; threads: number } {
  const out: BookOutput = { initialMargin: new Float64Array(book.accountCount), maintenanceMargin: new Float64Array(book.accountCount) };
  const results = new Map<number, MarginResult>();
  if (compiled.evaluateBook !== undefined) {
    const report = batch === undefined ? compiled.evaluateBook(book, out, { threads }) : batch(out);
    for (const a of report.leftOver) {
      const r = compiled.evaluate(book.portfolio(a));
      out.initialMargin[a] = r.initialMargin;
      out.maintenanceMargin[a] = r.maintenanceMargin;
      results.set(a, r);
    }
    requireMargined(book, out);
    return { out, results, path: 'batch', threads: report.threads };
  }
  for (let a = 0; a < book.accountCount; a++) {
    const r = compiled.evaluate(book.portfolio(a));
    out.initialMargin[a] = r.initialMargin;
    out.maintenanceMargin[a] = r.maintenanceMargin;
    results.set(a, r);
  }
  requireMargined(book, out);
  return { out, results, path: 'per-account', threads: 1 };
}

/**
 * Fail closed: every account has a finite, non-negative initial and maintenance margin, or the whole book is refused
 * with ACCOUNT_UNMARGINABLE naming the first account that has not (a NaN must never pass for a margin).
 */
function requireMargined(book: AccountBook, out: BookOutput): void {
  for (let a = 0; a < book.accountCount; a++) {
    const im = out.initialMargin[a]!;
    const mm = out.maintenanceMargin[a]!;
    if (Number.isFinite(im) && Number.isFinite(mm) && im >= 0 && mm >= 0) continue;
    throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `account ${book.accounts[a]}: the model gave no valid margin (initial ${im}, maintenance ${mm})`, {
      field: `portfolios.${a}`,
      details: { account: book.accounts[a], initialMargin: im, maintenanceMargin: mm },
    });
  }
}
