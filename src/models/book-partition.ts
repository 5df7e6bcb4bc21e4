import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../market/market-snapshot.js';
import type { MarketSnapshotFile } from '../market/market-snapshot-schema.js';
import { accountBookArrays, sliceAccountBook, type AccountBook, type AccountBookArrays } from '../portfolio/account-book.js';
import { chunkedJob, type ChunkRunner, type ChunkedJob } from '../risk/kernel-job.js';
import { runOnPool, WorkerPool } from '../risk/kernel-pool.js';
import type { BookOutput, CompiledModel, MarginModel } from './margin-model.js';
import { getModel } from './model-registry.js';

/**
 * Accounts partitioned over worker threads, for models whose batch path is sequential per account (SPAN, TIMS,
 * Deribit PM, OKX PM: spreads and offsets per scenario, `MarginModel.partitionBatch`). The book's arrays are in
 * shared memory; each worker compiles the same model once per job from the same inputs (parameters, market file,
 * instrument specs in id order, risk-parameter data) and runs the batch path on slices of accounts it takes from the
 * shared chunk counter, writing their margins into the shared output. Compilation is deterministic and a slice's
 * figures depend only on its accounts, so the output is the same bits as one batch call on one thread (tested).
 * Accounts a slice leaves to `evaluate` are flagged; the caller evaluates them from their documents.
 */
export interface BookJob extends ChunkedJob {
  readonly kind: 'book';
  /** Distinguishes jobs, so a worker compiles once per job. */
  readonly id: number;
  readonly modelId: string;
  readonly params: unknown;
  readonly market: MarketSnapshotFile;
  readonly specs: readonly InstrumentSpec[];
  readonly riskParameters: unknown;
  readonly book: AccountBookArrays;
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  /** 1 for an account a slice left to `evaluate`. */
  readonly leftOver: Uint8Array;
}

/** Below this many accounts one thread does it all (posting, and compiling in each worker, would cost more). */
const MIN_PARTITIONED_ACCOUNTS = 2_000;

let pool: WorkerPool | undefined;
let nextId = 1;

function workerScript(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  return new URL('./book-worker.js', import.meta.url);
}

/** Whether computeBookMargins partitions this model's book over threads. */
export function partitions(model: MarginModel<unknown>, book: AccountBook, threads: number): boolean {
  return model.partitionBatch === true && model.needsHistory !== true && threads > 1 && book.accountCount >= MIN_PARTITIONED_ACCOUNTS;
}

/** The runner of a book job: the batch path of `compiled` on each slice of accounts. */
export function bookRunner(job: BookJob, compiled: CompiledModel, fieldOf?: (instrument: number) => string): ChunkRunner {
  return (a0, a1) => {
    const slice = sliceAccountBook(job.book, a0, a1, fieldOf);
    const out: BookOutput = { initialMargin: job.initialMargin.subarray(a0, a1), maintenanceMargin: job.maintenanceMargin.subarray(a0, a1) };
    const report = compiled.evaluateBook!(slice, out, { threads: 1 });
    for (const a of report.leftOver) job.leftOver[a0 + a] = 1;
  };
}

/** Compiles a book job's model in a worker, as computeBookMargins compiled it (same specs in id order, same market). */
export function compileBookJob(job: BookJob): CompiledModel {
  const instruments = new InstrumentTable();
  for (const spec of job.specs) instruments.add(spec);
  const market: MarketSnapshot = parseMarketSnapshot(job.market);
  return getModel(job.modelId).compile(job.params, {
    instruments,
    market,
    ...(job.riskParameters === undefined ? {} : { riskParameters: job.riskParameters }),
  });
}

/**
 * The batch path of `compiled` over `book`, partitioned over `threads` threads. Writes `out`; returns the accounts
 * left to `evaluate` (ascending) and the threads that took part.
 */
export function evaluateBookPartitioned(
  compiled: CompiledModel,
  modelId: string,
  params: unknown,
  market: MarketSnapshot,
  instruments: InstrumentTable,
  riskParameters: unknown,
  book: AccountBook,
  out: BookOutput,
  threads: number,
): { leftOver: number[]; threads: number } {
  const accounts = book.accountCount;
  // Small slices (~32 per thread): a worker still cold (its first jobs run unoptimised code) holds up the end less.
  const chunkSize = Math.max(64, Math.ceil(accounts / (threads * 32)));
  const job: BookJob = {
    kind: 'book',
    ...chunkedJob(accounts, chunkSize),
    id: nextId++,
    modelId,
    params,
    market: market.toJSON(),
    specs: instruments.specs(),
    riskParameters,
    book: accountBookArrays(book),
    initialMargin: new Float64Array(new SharedArrayBuffer(accounts * 8)),
    maintenanceMargin: new Float64Array(new SharedArrayBuffer(accounts * 8)),
    leftOver: new Uint8Array(new SharedArrayBuffer(accounts)),
  };
  pool ??= new WorkerPool(workerScript());
  const run = runOnPool(pool, job, job, bookRunner(job, compiled, book.fieldOf), threads);
  out.initialMargin.set(job.initialMargin);
  out.maintenanceMargin.set(job.maintenanceMargin);
  const leftOver: number[] = [];
  for (let a = 0; a < accounts; a++) if (job.leftOver[a] === 1) leftOver.push(a);
  return { leftOver, threads: run.threads };
}
