import { wasmRiskKernels, type BookSession, type TailShape } from '../numerics/wasm-risk-kernels.js';
import { aggregateRow } from '../portfolio/aggregate-kernel-blocked.js';
import type { Book } from '../portfolio/book.js';
import type { RevaluationPlan } from '../revaluation/revaluation-plan.js';
import { revalueKernelFast, revaluationScratchLength } from '../revaluation/revalue-kernel-fast.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { aggregateTailMeasuresRange, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';
import { tailMeasures, tailMeasuresScratchLength } from './tail-measures.js';

/**
 * One batch of a hot kernel laid out in shared memory, so the thread pool (kernel-pool.ts) can split it: its items
 * (book rows, or instruments) are cut into fixed chunks that any thread takes. Every item's result depends only on
 * that item, so the figures are the same bits whichever thread computes a chunk and however many threads there are.
 *
 * Kinds:
 * - `measure`: W2 + W3 fused, [worst, VaR, ES] per book row (the batch path's kernel);
 * - `aggregate`: W2, each book row's scenario P&L (n doubles per row);
 * - `measure-rows`: W3, [worst, VaR, ES] of each row of a materialised rows × n matrix;
 * - `revalue`: W1, each instrument's scenario P&L (n doubles per instrument).
 *
 * `control` (Int32Array, shared): [0] next chunk to take, [1] chunks finished, [2] cancelled (1 once the caller
 * stopped waiting), [3] workers that failed. `state[c]`: 0 free, 1 taken, 2 done. `out` is shared too.
 */
/** Items cut into fixed chunks, with the shared counters threads take them by (see above). */
export interface ChunkedJob {
  /** Rows, instruments or accounts. */
  readonly items: number;
  readonly chunkSize: number;
  readonly chunks: number;
  readonly control: Int32Array;
  readonly state: Int32Array;
}

interface JobBase extends ChunkedJob {
  readonly out: Float64Array;
}

/** The chunk counters of a job of `items` items in chunks of `chunkSize`, in shared memory. */
export function chunkedJob(items: number, chunkSize: number): ChunkedJob {
  const chunks = Math.ceil(items / chunkSize);
  return {
    items,
    chunkSize,
    chunks,
    control: new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT)),
    state: new Int32Array(new SharedArrayBuffer(chunks * Int32Array.BYTES_PER_ELEMENT)),
  };
}

interface BookJob extends JobBase {
  readonly rowStart: Int32Array;
  readonly instrument: Int32Array;
  readonly weight: Float64Array;
  /** Instrument × scenario P&L, instrument-major. */
  readonly pnl: Float64Array;
  readonly n: number;
}

export interface MeasureJob extends BookJob {
  readonly kind: 'measure';
  readonly varAlpha: number;
  readonly esAlpha: number;
  readonly shape: TailShape;
}

export interface AggregateJob extends BookJob {
  readonly kind: 'aggregate';
}

export interface RevalueJob extends JobBase {
  readonly kind: 'revalue';
  readonly plan: RevaluationPlan;
  readonly set: ScenarioSet;
}

export interface MeasureRowsJob extends JobBase {
  readonly kind: 'measure-rows';
  /** Rows × n, row-major. */
  readonly matrix: Float64Array;
  readonly n: number;
  readonly varAlpha: number;
  readonly esAlpha: number;
  readonly shape: TailShape;
}

export type KernelJob = MeasureJob | AggregateJob | RevalueJob | MeasureRowsJob;

export const NEXT = 0;
export const FINISHED = 1;
export const CANCELLED = 2;
export const FAILED = 3;

/** A typed array over shared memory holding `source` (the same array when it already is shared). */
export function sharedCopy<T extends Int32Array | Float64Array>(source: T, make: (buffer: SharedArrayBuffer) => T): T {
  if (source.buffer instanceof SharedArrayBuffer) return source;
  const copy = make(new SharedArrayBuffer(source.length * source.BYTES_PER_ELEMENT));
  copy.set(source);
  return copy;
}

function sharedF64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

function jobBase(items: number, chunkSize: number, outLength: number): JobBase {
  return { ...chunkedJob(items, chunkSize), out: sharedF64(outLength) };
}

function bookParts(book: Book, pnl: Float64Array, n: number) {
  return {
    rowStart: sharedCopy(book.rowStart, (b) => new Int32Array(b)),
    instrument: sharedCopy(book.instrument, (b) => new Int32Array(b)),
    weight: sharedCopy(book.weight, (b) => new Float64Array(b)),
    pnl: sharedCopy(pnl, (b) => new Float64Array(b)),
    n,
  };
}

export function makeMeasureJob(book: Book, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number, shape: TailShape, chunkSize: number): MeasureJob {
  return { kind: 'measure', ...jobBase(book.rowCount, chunkSize, 3 * book.rowCount), ...bookParts(book, pnl, n), varAlpha, esAlpha, shape };
}

export function makeAggregateJob(book: Book, pnl: Float64Array, n: number, chunkSize: number): AggregateJob {
  return { kind: 'aggregate', ...jobBase(book.rowCount, chunkSize, book.rowCount * n), ...bookParts(book, pnl, n) };
}

export function makeRevalueJob(plan: RevaluationPlan, set: ScenarioSet, chunkSize: number): RevalueJob {
  // Scenario ids and labels are not read by the kernel: leave them out of what each worker is sent.
  return { kind: 'revalue', ...jobBase(plan.instrumentCount, chunkSize, plan.instrumentCount * set.count), plan, set: { ...set, ids: [], labels: [] } };
}

export function makeMeasureRowsJob(matrix: Float64Array, rows: number, n: number, varAlpha: number, esAlpha: number, shape: TailShape, chunkSize: number): MeasureRowsJob {
  return { kind: 'measure-rows', ...jobBase(rows, chunkSize, 3 * rows), matrix: sharedCopy(matrix, (b) => new Float64Array(b)), n, varAlpha, esAlpha, shape };
}

/** Computes items i0 ≤ i < i1 of the job into `out`. */
export type ChunkRunner = (i0: number, i1: number) => void;

/**
 * The kernel a thread runs its chunks with. Book jobs: WebAssembly SIMD when loaded (one session per thread: the
 * instrument matrix is copied into the module's memory once), else the TypeScript kernels — the same bits.
 * Revaluation: revalueKernelFast over the chunk's instruments.
 */
export function chunkRunner(job: KernelJob): ChunkRunner {
  if (job.kind === 'revalue') {
    const scratch = new Float64Array(revaluationScratchLength(job.set));
    return (i0, i1) => revalueKernelFast(job.plan, job.set, job.out, scratch, i0, i1);
  }
  const wasm = wasmRiskKernels();
  if (job.kind === 'measure-rows') {
    const { matrix, n, shape } = job;
    if (wasm !== undefined) return (r0, r1) => wasm.tailMeasuresRows(matrix.subarray(r0 * n, r1 * n), r1 - r0, n, shape, job.out.subarray(3 * r0, 3 * r1));
    const scratch = new Float64Array(tailMeasuresScratchLength(n));
    return (r0, r1) => {
      for (let r = r0; r < r1; r++) tailMeasures(matrix, r * n, n, job.varAlpha, job.esAlpha, scratch, job.out, 3 * r);
    };
  }
  if (wasm !== undefined) {
    let session: BookSession | undefined;
    return (r0, r1) => {
      session ??= wasm.bookSession(job.pnl, job.n);
      if (job.kind === 'measure') session.measure(job.rowStart, job.instrument, job.weight, r0, r1, job.shape, job.out, 3 * r0);
      else session.aggregate(job.rowStart, job.instrument, job.weight, r0, r1, job.out, r0 * job.n);
    };
  }
  const book: Book = { rowCount: job.items, rowStart: job.rowStart, instrument: job.instrument, weight: job.weight };
  if (job.kind === 'measure') {
    const scratch = new Float64Array(aggregateTailMeasuresScratchLength(job.n));
    return (r0, r1) => aggregateTailMeasuresRange(book, r0, r1, job.pnl, job.n, job.varAlpha, job.esAlpha, scratch, job.out, 3 * r0);
  }
  return (r0, r1) => {
    for (let r = r0; r < r1; r++) aggregateRow(book, r, job.pnl, job.n, job.out, r * job.n);
  };
}

/** Items of chunk c. */
export function chunkRange(job: ChunkedJob, c: number): [number, number] {
  return [c * job.chunkSize, Math.min(job.items, (c + 1) * job.chunkSize)];
}

/**
 * Takes free chunks until none is left (or the job is cancelled), marking each done and waking the waiting caller.
 * Returns the number of chunks this thread computed.
 */
export function takeChunks(job: ChunkedJob, runner: ChunkRunner): number {
  let taken = 0;
  for (;;) {
    if (Atomics.load(job.control, CANCELLED) !== 0) return taken;
    const c = Atomics.add(job.control, NEXT, 1);
    if (c >= job.chunks) return taken;
    Atomics.store(job.state, c, 1);
    const [i0, i1] = chunkRange(job, c);
    runner(i0, i1);
    Atomics.store(job.state, c, 2);
    Atomics.add(job.control, FINISHED, 1);
    Atomics.notify(job.control, FINISHED);
    taken++;
  }
}
