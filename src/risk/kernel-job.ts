import { putBook, tailScratchBytes, type TailShape, type WasmMemory } from '../numerics/wasm-risk-kernels.js';
import { poolMemory, sharedKernelsOver, type PoolMemory } from '../numerics/wasm-shared-kernels.js';
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
 * stopped waiting), [3] workers that failed, [4] scratch slots claimed. `state[c]`: 0 free, 1 taken, 2 done. `out`
 * is shared too.
 *
 * Book and row jobs are laid out in the pool's shared WebAssembly memory when it is available
 * (numerics/wasm-shared-kernels.ts): inputs copied in once by the calling thread, `out` a view of that memory,
 * and every thread's kernel calls reading and writing it in place (`layout`: the addresses). Without it, and on
 * any thread that cannot instantiate the module, the TypeScript kernels run over the same shared arrays.
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
  /** The job in the pool's shared WebAssembly memory, when it is laid out there. */
  readonly layout?: SharedLayout;
}

/** The chunk counters of a job of `items` items in chunks of `chunkSize`, in shared memory. */
export function chunkedJob(items: number, chunkSize: number): ChunkedJob {
  const chunks = Math.ceil(items / chunkSize);
  return {
    items,
    chunkSize,
    chunks,
    control: new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT)),
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
const SLOT = 4;

/** Where a job lives in the pool's shared WebAssembly memory (byte addresses). */
export interface SharedLayout {
  readonly memory: WasmMemory;
  readonly rowStart: number;
  readonly instrument: number;
  readonly weight: number;
  readonly pnl: number;
  readonly matrix: number;
  readonly out: number;
  /** Per-thread scratch: slot k at scratch + k·scratchBytes; a thread claims a slot once per job. */
  readonly scratch: number;
  readonly scratchBytes: number;
}

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

/** The book and matrix in shared memory for threads running the TypeScript kernels (copied unless already shared). */
function bookParts(book: Book, pnl: Float64Array, n: number) {
  return {
    rowStart: sharedCopy(book.rowStart, (b) => new Int32Array(b)),
    instrument: sharedCopy(book.instrument, (b) => new Int32Array(b)),
    weight: sharedCopy(book.weight, (b) => new Float64Array(b)),
    pnl: sharedCopy(pnl, (b) => new Float64Array(b)),
    n,
  };
}


/**
 * Lays a book or row job out in the pool memory: the inputs given copied in (a matrix already in that memory is
 * used in place and laid out after), `out` of `outLength` doubles, and `threads` scratch slots.
 */
function layOut(
  pool: PoolMemory,
  parts: { book?: Book; pnl?: Float64Array; matrix?: Float64Array },
  outLength: number,
  n: number,
  threads: number,
): { layout: SharedLayout; out: Float64Array; inputs: { rowStart?: Int32Array; instrument?: Int32Array; weight?: Float64Array; pnl?: Float64Array; matrix?: Float64Array } } {
  // A matrix already in the pool memory (aggregateParallel's output) is read in place, and this job is laid out
  // after it; any other input is copied in from the start of the memory.
  const place = parts.matrix === undefined ? undefined : pool.placeOf(parts.matrix);
  pool.reset(place?.end);
  const b = parts.book === undefined || parts.pnl === undefined ? undefined : putBook(pool, parts.book.rowStart, parts.book.instrument, parts.book.weight, parts.book.rowCount, parts.pnl, n);
  const matrix = parts.matrix === undefined ? 0 : (place?.address ?? pool.put(parts.matrix));
  const out = pool.reserve(outLength * 8);
  // A thread's scratch: the fused kernel's row, then the tail filter's.
  const bytes = 8 * n + tailScratchBytes(n);
  const scratch = pool.reserve(threads * bytes);
  // The copies just made serve threads that run the TypeScript kernels too (views of the same shared memory).
  const entries = parts.book === undefined ? 0 : parts.book.rowStart[parts.book.rowCount]!;
  const inputs =
    b === undefined || parts.book === undefined || parts.pnl === undefined
      ? {}
      : {
          rowStart: pool.i32(b.rowStart, parts.book.rowCount + 1),
          instrument: pool.i32(b.instrument, entries),
          weight: pool.f64(b.weight, entries),
          pnl: pool.f64(b.pnl, Math.floor(parts.pnl.length / n) * n),
        };
  return {
    layout: { memory: pool.memory, rowStart: b?.rowStart ?? 0, instrument: b?.instrument ?? 0, weight: b?.weight ?? 0, pnl: b?.pnl ?? 0, matrix, out, scratch, scratchBytes: bytes },
    out: pool.f64(out, outLength),
    inputs: parts.matrix === undefined ? inputs : { matrix: place === undefined ? pool.f64(matrix, parts.matrix.length) : parts.matrix },
  };
}

/** A book job's fields: its layout in the pool memory when there is one, and the arrays the TypeScript kernels read. */
function bookJobParts(pool: PoolMemory | undefined, book: Book, pnl: Float64Array, n: number, outLength: number, threads: number) {
  if (pool === undefined) return bookParts(book, pnl, n);
  const { layout, out, inputs } = layOut(pool, { book, pnl }, outLength, n, threads);
  return { layout, out, rowStart: inputs.rowStart!, instrument: inputs.instrument!, weight: inputs.weight!, pnl: inputs.pnl!, n };
}

export function makeMeasureJob(book: Book, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number, shape: TailShape, chunkSize: number, threads = 1): MeasureJob {
  const pool = poolMemory();
  const base = jobBase(book.rowCount, chunkSize, pool === undefined ? 3 * book.rowCount : 0);
  return { kind: 'measure', ...base, ...bookJobParts(pool, book, pnl, n, 3 * book.rowCount, threads), varAlpha, esAlpha, shape };
}

/**
 * An aggregation job. With the pool memory its `out` is a view of that memory: valid until the next job is laid out
 * there (kernel-pool.ts aggregateParallel says so); a row-measure job given that view reads it in place.
 */
export function makeAggregateJob(book: Book, pnl: Float64Array, n: number, chunkSize: number, threads = 1): AggregateJob {
  const pool = poolMemory();
  const base = jobBase(book.rowCount, chunkSize, pool === undefined ? book.rowCount * n : 0);
  return { kind: 'aggregate', ...base, ...bookJobParts(pool, book, pnl, n, book.rowCount * n, threads) };
}

export function makeRevalueJob(plan: RevaluationPlan, set: ScenarioSet, chunkSize: number): RevalueJob {
  // Scenario ids and labels are not read by the kernel: leave them out of what each worker is sent.
  return { kind: 'revalue', ...jobBase(plan.instrumentCount, chunkSize, plan.instrumentCount * set.count), plan, set: { ...set, ids: [], labels: [] } };
}

export function makeMeasureRowsJob(matrix: Float64Array, rows: number, n: number, varAlpha: number, esAlpha: number, shape: TailShape, chunkSize: number, threads = 1): MeasureRowsJob {
  const pool = matrix.length >= rows * n ? poolMemory() : undefined;
  const base = jobBase(rows, chunkSize, pool === undefined ? 3 * rows : 0);
  if (pool === undefined) {
    return { kind: 'measure-rows', ...base, matrix: sharedCopy(matrix, (b) => new Float64Array(b)), n, varAlpha, esAlpha, shape };
  }
  const { layout, out, inputs } = layOut(pool, { matrix }, 3 * rows, n, threads);
  return { kind: 'measure-rows', ...base, layout, out, matrix: inputs.matrix!, n, varAlpha, esAlpha, shape };
}

/** Computes items i0 ≤ i < i1 of the job into `out`. */
export type ChunkRunner = (i0: number, i1: number) => void;

/**
 * The kernel a thread runs its chunks with. Book and row jobs laid out in the pool memory: the shared WebAssembly
 * module instantiated over it (once per job per thread) and called on each chunk's addresses, writing in place;
 * else the TypeScript kernels — the same bits. Revaluation: revalueKernelFast over the chunk's instruments.
 */
export function chunkRunner(job: KernelJob): ChunkRunner {
  if (job.kind === 'revalue') {
    const scratch = new Float64Array(revaluationScratchLength(job.set));
    return (i0, i1) => revalueKernelFast(job.plan, job.set, job.out, scratch, i0, i1);
  }
  const layout = job.layout;
  const x = layout === undefined ? undefined : sharedKernelsOver(layout.memory)?.exports;
  if (layout !== undefined && x !== undefined) {
    const slot = Atomics.add(job.control, SLOT, 1);
    const scratch = layout.scratch + slot * layout.scratchBytes;
    const n = job.n;
    switch (job.kind) {
      case 'measure': {
        const { k, m, whole, frac, need } = job.shape;
        return (r0, r1) => x.aggregateTailMeasures(layout.rowStart + 4 * r0, layout.instrument, layout.weight, r1 - r0, layout.pnl, n, k, m, whole, frac, need, scratch, layout.out + 24 * r0);
      }
      case 'aggregate':
        return (r0, r1) => x.aggregate(layout.rowStart + 4 * r0, layout.instrument, layout.weight, r1 - r0, layout.pnl, n, layout.out + 8 * n * r0);
      case 'measure-rows': {
        const { k, m, whole, frac, need } = job.shape;
        return (r0, r1) => x.tailMeasuresRows(layout.matrix + 8 * n * r0, r1 - r0, n, k, m, whole, frac, need, scratch, layout.out + 24 * r0);
      }
    }
  }
  if (job.kind === 'measure-rows') {
    const { matrix, n } = job;
    const scratch = new Float64Array(tailMeasuresScratchLength(n));
    return (r0, r1) => {
      for (let r = r0; r < r1; r++) tailMeasures(matrix, r * n, n, job.varAlpha, job.esAlpha, scratch, job.out, 3 * r);
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
