import { wasmRiskKernels, type FusedSession, type TailShape } from '../numerics/wasm-risk-kernels.js';
import type { Book } from '../portfolio/book.js';
import { aggregateTailMeasuresRange, aggregateTailMeasuresScratchLength } from './aggregate-tail-measures.js';

/**
 * One batch of the fused aggregate-and-measure kernel (W2 + W3: [worst, VaR, ES] per book row) laid out in shared
 * memory, so the batch path's threads (aggregate-tail-measures-pool.ts) can each take chunks of rows from it.
 * Every array lives in a SharedArrayBuffer (or is copied into one when the job is made); the rows are split into
 * fixed chunks, and each chunk's result depends only on its rows, so the figures are the same whichever thread
 * computes a chunk and however many threads there are.
 *
 * `control` (Int32Array, shared): [0] next chunk to take, [1] chunks finished, [2] cancelled (1 once the caller
 * stopped waiting), [3] workers that failed. `state[c]`: 0 free, 1 taken, 2 done.
 */
export interface FusedTailJob {
  readonly rowStart: Int32Array;
  readonly instrument: Int32Array;
  readonly weight: Float64Array;
  readonly rows: number;
  /** Instrument × scenario P&L, instrument-major. */
  readonly pnl: Float64Array;
  readonly n: number;
  readonly varAlpha: number;
  readonly esAlpha: number;
  readonly shape: TailShape;
  readonly chunkRows: number;
  readonly chunks: number;
  readonly control: Int32Array;
  readonly state: Int32Array;
  /** [worst, VaR, ES] per row. */
  readonly out: Float64Array;
}

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

export function makeFusedTailJob(book: Book, pnl: Float64Array, n: number, varAlpha: number, esAlpha: number, shape: TailShape, chunkRows: number): FusedTailJob {
  const rows = book.rowCount;
  const chunks = Math.ceil(rows / chunkRows);
  return {
    rowStart: sharedCopy(book.rowStart, (b) => new Int32Array(b)),
    instrument: sharedCopy(book.instrument, (b) => new Int32Array(b)),
    weight: sharedCopy(book.weight, (b) => new Float64Array(b)),
    rows,
    pnl: sharedCopy(pnl, (b) => new Float64Array(b)),
    n,
    varAlpha,
    esAlpha,
    shape,
    chunkRows,
    chunks,
    control: new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT)),
    state: new Int32Array(new SharedArrayBuffer(Math.max(1, chunks) * Int32Array.BYTES_PER_ELEMENT)),
    out: new Float64Array(new SharedArrayBuffer(Math.max(1, rows * 3) * Float64Array.BYTES_PER_ELEMENT)),
  };
}

/** Computes rows r0 ≤ r < r1 of the job into `out`. */
export type ChunkRunner = (r0: number, r1: number) => void;

/** The kernel a thread runs its chunks with: one wasm session (matrix copied in once) or the TypeScript range kernel. */
export function chunkRunner(job: FusedTailJob): ChunkRunner {
  const wasm = wasmRiskKernels();
  const book: Book = { rowCount: job.rows, rowStart: job.rowStart, instrument: job.instrument, weight: job.weight };
  if (wasm !== undefined) {
    let session: FusedSession | undefined;
    return (r0, r1) => {
      session ??= wasm.fusedSession(job.pnl, job.n);
      session.run(job.rowStart, job.instrument, job.weight, r0, r1, job.shape, job.out, 3 * r0);
    };
  }
  const scratch = new Float64Array(aggregateTailMeasuresScratchLength(job.n));
  return (r0, r1) => aggregateTailMeasuresRange(book, r0, r1, job.pnl, job.n, job.varAlpha, job.esAlpha, scratch, job.out, 3 * r0);
}

/**
 * Takes free chunks until none is left (or the job is cancelled), marking each done and waking the waiting caller.
 * Returns the number of chunks this thread computed.
 */
export function takeChunks(job: FusedTailJob, runner: ChunkRunner): number {
  let taken = 0;
  for (;;) {
    if (Atomics.load(job.control, CANCELLED) !== 0) return taken;
    const c = Atomics.add(job.control, NEXT, 1);
    if (c >= job.chunks) return taken;
    Atomics.store(job.state, c, 1);
    runner(c * job.chunkRows, Math.min(job.rows, (c + 1) * job.chunkRows));
    Atomics.store(job.state, c, 2);
    Atomics.add(job.control, FINISHED, 1);
    Atomics.notify(job.control, FINISHED);
    taken++;
  }
}
