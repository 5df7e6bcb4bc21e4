import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CrossmarginError } from '../core/errors.js';
import type { Book } from '../portfolio/book.js';
import { discardPoolMemory } from '../numerics/wasm-shared-kernels.js';
import type { RevaluationPlan } from '../revaluation/revaluation-plan.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { CANCELLED, FAILED, FINISHED, chunkRange, chunkRunner, makeAggregateJob, makeMeasureJob, makeMeasureRowsJob, makeRevalueJob, takeChunks, type ChunkRunner, type ChunkedJob, type KernelJob } from './kernel-job.js';
import { tailShape } from './tail-measures.js';

/**
 * The hot kernels over a whole batch on several threads (docs/architecture.md "Threads"): the fused
 * aggregate-and-measure kernel (the batch path's engine), book aggregation, and revaluation.
 *
 * Threads share the inputs (book CSR, instrument × scenario matrix) and the output through SharedArrayBuffers.
 * The items (rows, instruments) are cut into fixed chunks and every thread, this one included, takes the next free
 * chunk until none is left (so a slow or busy core just takes fewer). An item's figures depend only on the item,
 * never on which thread computed it, so the output is bit-identical for any thread count. Calls are synchronous:
 * this thread computes chunks too, then blocks in Atomics.wait until the workers' chunks are done.
 *
 * Fail closed: if a worker fails (its import, the kernel) or makes no progress for `stallMs`, this thread computes
 * every chunk not yet done itself (writes are idempotent: the same bits), and the pool stops using workers.
 *
 * Workers start on first use, run `dist/src/risk/kernel-worker.js` (running from TypeScript sources there is no
 * `.js` worker: everything then runs on this thread, same bits) and are unref'd, so they never keep a process alive.
 */
export interface KernelPoolOptions {
  /** Threads in all, this one included; default `defaultThreads()`. 1 = this thread only. */
  readonly threads?: number;
}

export interface KernelRun {
  /** The kernel's output (shared memory): [worst, VaR, ES] per row, or n scenario values per row / instrument. */
  readonly out: Float64Array;
  /** Threads that took part (1 when run on this thread only). */
  readonly threads: number;
  /** Chunks computed by this thread. */
  readonly chunksHere: number;
  readonly chunks: number;
}

/** Below this much work (multiply-adds, or option cells × 40) a batch runs on this thread: posting costs more than it saves. */
const MIN_PARALLEL_WORK = 4_000_000;
/** Work of one option revaluation cell (a Black-76 price) in multiply-adds, roughly, for that threshold. */
const REVALUE_CELL_WORK = 40;
/** A worker that moves no chunk forward for this long is given up on (ms). */
const STALL_MS = 5_000;

/** Threads the batch path uses by default: CROSSMARGIN_THREADS when set, else the cores this process may use. */
export function defaultThreads(): number {
  const env = process.env.CROSSMARGIN_THREADS;
  if (env !== undefined && env !== '') {
    const t = Number(env);
    if (Number.isInteger(t) && t >= 1 && t <= 256) return t;
    throw new CrossmarginError('USAGE_INVALID', `CROSSMARGIN_THREADS: expected an integer from 1 to 256, got "${env}"`, { field: 'CROSSMARGIN_THREADS' });
  }
  return Math.max(1, availableParallelism());
}

/** Validates a thread count option (a positive integer up to 256). */
export function checkThreads(threads: number, field = 'threads'): number {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new CrossmarginError('USAGE_INVALID', `${field}: expected an integer from 1 to 256, got ${threads}`, { field });
  }
  return threads;
}

/**
 * Long-lived worker threads running one worker script (kernel-worker.ts here; models/book-worker.ts for the model
 * batch paths), started on demand and unref'd. Retired for good after a failure: its jobs then run on the caller.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private broken = false;

  constructor(private readonly script: URL | undefined) {}

  /** Workers available for `wanted` − 1 helpers (started on demand; none when broken or without a `.js` worker). */
  helpers(wanted: number): Worker[] {
    if (this.script === undefined || this.broken) return [];
    while (this.workers.length < wanted - 1) {
      const worker = new Worker(this.script);
      worker.unref();
      // An error is also seen through the job's FAILED slot or a stall; here it only retires the pool.
      worker.on('error', () => {
        this.broken = true;
      });
      worker.on('exit', () => {
        this.broken = true;
      });
      this.workers.push(worker);
    }
    return this.workers.slice(0, wanted - 1);
  }

  retire(): void {
    this.broken = true;
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

let pool: WorkerPool | undefined;

function workerScript(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  return new URL('./kernel-worker.js', import.meta.url);
}

/**
 * [worst, VaR at varAlpha, ES at esAlpha] of every row of `book` against `pnl` (instrument-major, n scenarios),
 * on `options.threads` threads. Equal, bit for bit, to aggregateTailMeasures (its TypeScript reference) for any
 * thread count.
 */
export function aggregateTailMeasuresParallel(book: Book, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number, options: KernelPoolOptions = {}): KernelRun {
  const threads = threadsFor(options, (book.rowStart[book.rowCount] ?? 0) * n);
  return owned(runJob(makeMeasureJob(book, pnl, n, varAlpha, esAlpha, tailShape(varAlpha, esAlpha, n), chunkSizeFor(book.rowCount, threads), threads), threads));
}

/** The run with its output copied out of the pool memory (3 doubles per row: small), so the next job cannot overwrite it. */
function owned(run: KernelRun): KernelRun {
  if (run.out.buffer instanceof SharedArrayBuffer && run.out.byteOffset === 0 && run.out.length * 8 === run.out.buffer.byteLength) return run;
  const copy = new Float64Array(new SharedArrayBuffer(run.out.byteLength));
  copy.set(run.out);
  return { ...run, out: copy };
}

/**
 * Each row's scenario P&L (rows × n, row-major) on `options.threads` threads; bit-identical to aggregateKernel.
 * The output is written in place in the pool's shared memory (no copy of the rows × n matrix) and is a view of it:
 * valid until the next call into the pool. tailMeasuresRowsParallel reads such a view in place; copy it to keep it.
 */
export function aggregateParallel(book: Book, pnl: Float64Array, n: number, options: KernelPoolOptions = {}): KernelRun {
  const threads = threadsFor(options, (book.rowStart[book.rowCount] ?? 0) * n);
  return runJob(makeAggregateJob(book, pnl, n, chunkSizeFor(book.rowCount, threads), threads), threads);
}

/** [worst, VaR, ES] of each row of a rows × n matrix on `options.threads` threads; bit-identical to tailMeasures per row. */
export function tailMeasuresRowsParallel(matrix: Float64Array, rows: number, n: number, varAlpha: number, esAlpha: number, options: KernelPoolOptions = {}): KernelRun {
  const threads = threadsFor(options, rows * n * 4);
  return owned(runJob(makeMeasureRowsJob(matrix, rows, n, varAlpha, esAlpha, tailShape(varAlpha, esAlpha, n), chunkSizeFor(rows, threads), threads), threads));
}

/** The instrument × scenario P&L matrix of a plan on `options.threads` threads; bit-identical to revalueKernelFast. */
export function revalueParallel(plan: RevaluationPlan, set: ScenarioSet, options: KernelPoolOptions = {}): KernelRun {
  const threads = threadsFor(options, plan.instrumentCount * set.count * REVALUE_CELL_WORK);
  return runJob(makeRevalueJob(plan, set, chunkSizeFor(plan.instrumentCount, threads, 4)), threads);
}

function threadsFor(options: KernelPoolOptions, work: number): number {
  const wanted = checkThreads(options.threads ?? defaultThreads());
  return wanted > 1 && work >= MIN_PARALLEL_WORK ? wanted : 1;
}

/** ~16 chunks per thread keeps the cores evenly busy; at least `min` items so a chunk outweighs taking it. */
function chunkSizeFor(items: number, threads: number, min = 16): number {
  return Math.max(min, Math.min(1024, Math.ceil(items / (threads * 16))));
}

function runJob(job: KernelJob, threads: number): KernelRun {
  pool ??= new WorkerPool(workerScript());
  // After a take-over a stalled worker may still finish its chunk and write to this job's addresses in the pool
  // memory: later jobs get a fresh memory, so such a late write can never land in another job's data.
  const { threads: used, chunksHere } = runOnPool(pool, job, job, chunkRunner(job), threads, discardPoolMemory);
  return { out: job.out, threads: used, chunksHere, chunks: job.chunks };
}

/**
 * Runs a chunked job on `threads` threads of `owner`: `message` (the job's shared buffers and whatever the worker
 * script needs) is posted to the helpers, this thread takes chunks with `runner`, then waits for (or takes over)
 * the helpers' chunks. Returns the threads that took part and the chunks computed here.
 */
export function runOnPool(
  owner: WorkerPool,
  job: ChunkedJob,
  message: unknown,
  runner: ChunkRunner,
  threads: number,
  /** Called besides retiring the workers when this thread takes over. */
  onTakeOver?: () => void,
): { threads: number; chunksHere: number } {
  const helpers = threads > 1 ? owner.helpers(threads) : [];
  let posted = 0;
  for (const w of helpers) {
    try {
      w.postMessage(message);
      posted++;
    } catch {
      break; // a job that cannot be sent (never expected: typed arrays and plain data) runs here
    }
  }
  let chunksHere = takeChunks(job, runner);
  if (posted > 0) {
    chunksHere += finishJob(job, runner, STALL_MS, () => {
      owner.retire();
      onTakeOver?.();
    });
  }
  return { threads: 1 + posted, chunksHere };
}

/**
 * Waits until every chunk of `job` is done. If a worker reports a failure, or no chunk finishes for `stallMs`, it
 * cancels the job for the workers, calls `onTakeOver` (the pool stops using its workers) and computes every chunk
 * not yet done on this thread (a chunk a slow worker is still writing gets the same bits from both). Returns the
 * number of chunks computed here.
 */
export function finishJob(job: ChunkedJob, runner: (r0: number, r1: number) => void, stallMs: number, onTakeOver: () => void): number {
  let finished = Atomics.load(job.control, FINISHED);
  let lastProgress = performance.now();
  while (finished < job.chunks && Atomics.load(job.control, FAILED) === 0) {
    const result = Atomics.wait(job.control, FINISHED, finished, stallMs);
    const now = Atomics.load(job.control, FINISHED);
    if (now !== finished) lastProgress = performance.now();
    finished = now;
    if (result === 'timed-out' && performance.now() - lastProgress >= stallMs) break;
  }
  if (finished >= job.chunks && Atomics.load(job.control, FAILED) === 0) return 0;
  Atomics.store(job.control, CANCELLED, 1);
  onTakeOver();
  let done = 0;
  for (let c = 0; c < job.chunks; c++) {
    if (Atomics.load(job.state, c) === 2) continue;
    const [i0, i1] = chunkRange(job, c);
    runner(i0, i1);
    Atomics.store(job.state, c, 2);
    done++;
  }
  return done;
}
