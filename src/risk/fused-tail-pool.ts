import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CrossmarginError } from '../core/errors.js';
import type { Book } from '../portfolio/book.js';
import { CANCELLED, FAILED, FINISHED, chunkRunner, makeFusedTailJob, takeChunks, type FusedTailJob } from './fused-tail-job.js';
import { tailShape } from './tail-measures.js';

/**
 * The fused aggregate-and-measure kernel ([worst, VaR, ES] per book row, the row × scenario matrix never written)
 * over a whole book on several threads: the batch path's engine (docs/architecture.md "Threads").
 *
 * Threads share the book and the instrument × scenario matrix through SharedArrayBuffers. The rows are cut into
 * fixed chunks and every thread, this one included, takes the next free chunk until none is left (so a slow or
 * busy core just takes fewer). A row's figures depend only on the row, never on which thread computed it, so the
 * output is bit-identical for any thread count. The call is synchronous: this thread computes chunks too, then
 * blocks in Atomics.wait until the workers' chunks are done.
 *
 * Fail closed: if a worker fails (its import, the kernel) or makes no progress for `stallMs`, this thread computes
 * every chunk not yet done itself (writes are idempotent: the same bits), and the pool stops using workers.
 *
 * Workers start on first use, run `dist/src/risk/fused-tail-worker.js` (running from TypeScript sources there is no
 * `.js` worker: everything then runs on this thread, same bits) and are unref'd, so they never keep a process alive.
 */
export interface FusedTailOptions {
  /** Threads in all, this one included; default `defaultThreads()`. 1 = this thread only. */
  readonly threads?: number;
}

export interface FusedTailRun {
  /** [worst, VaR, ES] per row (positive losses). */
  readonly out: Float64Array;
  /** Threads that took part (1 when run on this thread only). */
  readonly threads: number;
  /** Chunks computed by this thread. */
  readonly chunksHere: number;
  readonly chunks: number;
}

/** Below this many multiply-adds (rows' entries × scenarios) a batch runs on this thread: posting costs more than it saves. */
const MIN_PARALLEL_MADDS = 4_000_000;
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

class FusedTailPool {
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

let pool: FusedTailPool | undefined;

function workerScript(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  return new URL('./fused-tail-worker.js', import.meta.url);
}

/**
 * [worst, VaR at varAlpha, ES at esAlpha] of every row of `book` against `pnl` (instrument-major, n scenarios),
 * on `options.threads` threads. Equal, bit for bit, to aggregateTailMeasures (its TypeScript reference) for any
 * thread count.
 */
export function aggregateTailMeasuresParallel(book: Book, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number, options: FusedTailOptions = {}): FusedTailRun {
  const wanted = checkThreads(options.threads ?? defaultThreads());
  const entries = book.rowStart[book.rowCount] ?? 0;
  const parallel = wanted > 1 && entries * n >= MIN_PARALLEL_MADDS;
  const threads = parallel ? wanted : 1;
  // ~16 chunks per thread keeps the cores evenly busy; at least 16 rows so a chunk outweighs taking it.
  const chunkRows = Math.max(16, Math.min(1024, Math.ceil(book.rowCount / (threads * 16))));
  const job = makeFusedTailJob(book, pnl, n, varAlpha, esAlpha, tailShape(varAlpha, esAlpha, n), chunkRows);
  pool ??= new FusedTailPool(workerScript());
  const helpers = parallel ? pool.helpers(threads) : [];
  for (const w of helpers) w.postMessage(job);
  const runner = chunkRunner(job);
  let chunksHere = takeChunks(job, runner);
  if (helpers.length > 0) {
    const owner = pool;
    chunksHere += finishJob(job, runner, STALL_MS, () => owner.retire());
  }
  return { out: job.out, threads: 1 + helpers.length, chunksHere, chunks: job.chunks };
}

/**
 * Waits until every chunk of `job` is done. If a worker reports a failure, or no chunk finishes for `stallMs`, it
 * cancels the job for the workers, calls `onTakeOver` (the pool stops using its workers) and computes every chunk
 * not yet done on this thread (a chunk a slow worker is still writing gets the same bits from both). Returns the
 * number of chunks computed here.
 */
export function finishJob(job: FusedTailJob, runner: (r0: number, r1: number) => void, stallMs: number, onTakeOver: () => void): number {
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
    runner(c * job.chunkRows, Math.min(job.rows, (c + 1) * job.chunkRows));
    Atomics.store(job.state, c, 2);
    done++;
  }
  return done;
}
